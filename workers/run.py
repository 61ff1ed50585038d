"""The RQ worker process (``python -m workers.run``): RQ's scheduler on, short heartbeats.

Short intervals bring a dead worker's job back in about two minutes rather than ten
(see SECURITY-PLAN.md §4.2); on start the worker first pushes any pending outbox rows.
"""

from __future__ import annotations

import argparse
import logging

from rq import Worker
from rq.serializers import JSONSerializer

QUEUE_NAMES = ("mail", "matching", "default")


def build_worker(app) -> Worker:
    from workers import dispatch

    with app.app_context():
        conn = dispatch.connection()
    return Worker(
        list(QUEUE_NAMES), connection=conn, serializer=JSONSerializer,
        worker_ttl=30, job_monitoring_interval=10, maintenance_interval=30,
        log_job_description=True,
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Run an RQ worker for the member portal.")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from portal import create_app
    from workers import dispatch, runtime

    app = create_app()
    runtime.use_app(app)
    with app.app_context():
        dispatch.push_pending()
    build_worker(app).work(burst=args.burst, with_scheduler=True)


if __name__ == "__main__":
    main()
