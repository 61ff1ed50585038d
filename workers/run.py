"""The RQ worker process (``python -m workers.run``): RQ's scheduler on, short heartbeats.

Short intervals bring a dead worker's job back in about a minute rather than ten (see
SECURITY-PLAN.md §4.2); on start the worker first pushes any pending outbox rows. Every
worker serves the urgent queue first. The Procfile also runs a mail lane
(``--queues urgent,mail``), so an urgent email never waits behind a long matching job.
"""

from __future__ import annotations

import argparse
import logging

from rq import Worker, worker_registration
from rq.serializers import JSONSerializer

from portal.services.outbox.registry import QUEUE_ORDER as QUEUE_NAMES


class PromptUnsubscribe:
    """A worker whose command listener ends as soon as the worker does.

    RQ unsubscribes from the worker's command channel, then stops the listening thread and
    waits a second for it. The channel's answer to the unsubscribe often wakes the thread
    before it is told to stop, and it goes back to a 60-second wait: the worker then stops a
    second late, with the thread still running (about two stops in five). Told first, the
    thread ends on that answer.
    """

    def unsubscribe(self):
        if self.pubsub_thread:
            self.pubsub_thread.stop()
        super().unsubscribe()


class PortalWorker(PromptUnsubscribe, Worker):
    """RQ's forking worker that keeps the volunteer pool warm and re-registers when forgotten.

    Each job runs in a fresh forked horse, which dies with whatever it cached; the encoded
    volunteer pool is therefore refreshed in this parent before each matching job's fork
    (``runtime.prepare_fork``), and every horse inherits it. After Redis restarts empty,
    RQ's heartbeat only refreshes a hash nobody lists, so the worker would go on working
    while /healthz counts no workers: it registers again.
    """

    def fork_work_horse(self, job, queue):
        from workers import runtime

        runtime.prepare_fork(queue.name)
        super().fork_work_horse(job, queue)

    def heartbeat(self, timeout=None, pipeline=None):
        super().heartbeat(timeout, pipeline)
        if not self.connection.sismember(worker_registration.REDIS_WORKER_KEYS, self.key):
            self.log.info("Worker %s: Redis forgot this worker; registering again", self.name)
            with self.connection.pipeline() as again:
                again.hset(self.key, mapping=self.serialize())
                worker_registration.register(self, again)
                again.expire(self.key, timeout or self.worker_ttl + 60)
                again.execute()


def build_worker(app, queue_names=QUEUE_NAMES) -> Worker:
    from portal.services.outbox import dispatch

    with app.app_context():
        conn = dispatch.connection()
    ttl = app.config["WORKER_TTL"]
    return PortalWorker(
        list(queue_names), connection=conn, serializer=JSONSerializer,
        worker_ttl=ttl, job_monitoring_interval=min(10, ttl), maintenance_interval=30,
        log_job_description=True,
    )


def _queue_list(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in QUEUE_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"queues are a comma-separated choice of {', '.join(QUEUE_NAMES)}")
    # Urgent first, whatever order they were given in: RQ serves queues in list order.
    return tuple(name for name in QUEUE_NAMES if name in names)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Run an RQ worker for the member portal.")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--queues", type=_queue_list, default=QUEUE_NAMES,
                        help="comma-separated queues to serve, urgent first "
                             f"(default: {','.join(QUEUE_NAMES)})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from portal import create_app
    from portal.services.outbox import dispatch
    from workers import runtime

    app = create_app()
    runtime.use_app(app)
    with app.app_context():
        dispatch.push_pending()
    build_worker(app, args.queues).work(burst=args.burst, with_scheduler=True)


if __name__ == "__main__":
    main()
