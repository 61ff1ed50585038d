"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi``.

gunicorn runs with ``--preload`` (Procfile): the master builds the app once and its workers
are forked from it, sharing those pages. ``gc.freeze()`` moves everything built so far out
of the collector's reach, so no worker's collection writes to (and so copies) a shared page.
"""

import gc

from portal import create_app

app = create_app()
gc.freeze()
