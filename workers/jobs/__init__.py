"""Job handlers by kind: each takes the job's session and the outbox row's ``ref``.

The outbox registry (``portal.services.outbox.registry``) names the handler of each kind.

Handlers are idempotent (safe to run twice) and never commit the outcome themselves;
the runtime commits their work together with the outbox row's ``done``.
"""
