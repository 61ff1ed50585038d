"""Background work: RQ job functions, the outbox dispatcher, the worker and the clock."""
