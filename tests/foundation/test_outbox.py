"""The outbox: jobs committed with their change, pushed after commit, never lost."""

from datetime import timedelta

import sqlalchemy as sa

from portal.db import db
from portal.models import DeliveryStatus, Notification, OutboxJob, OutboxState
from portal.services import notifications, outbox
from portal.services.outbox import dispatch


def rows(app, state=None):
    with app.app_context():
        query = sa.select(OutboxJob)
        if state is not None:
            query = query.where(OutboxJob.state == state)
        return db.session.execute(query).scalars().all()


def test_a_rolled_back_change_leaves_no_job(app, make_user):
    user = make_user("coordinator")
    with app.app_context():
        notifications.notify(db.session, user, "new_request")
        db.session.rollback()
    assert rows(app) == []


def test_a_committed_job_is_pushed_to_rq_right_after_the_commit(app, make_user, redis):
    user = make_user("coordinator")
    with app.app_context():
        note = notifications.notify(db.session, user, "new_request")
        db.session.commit()
    [row] = rows(app)
    assert row.state == OutboxState.DISPATCHED
    assert redis.exists(f"rq:job:{dispatch.job_id(row.id)}")
    assert note.status == DeliveryStatus.PENDING


def test_a_real_worker_runs_the_job_and_marks_it_done(app, make_user, mail, run_jobs):
    user = make_user("coordinator")
    with app.app_context():
        notifications.notify(db.session, user, "new_request")
        db.session.commit()
    run_jobs()
    assert [r.state for r in rows(app)] == [OutboxState.DONE]
    assert len(mail) == 1


def test_with_redis_down_the_job_waits_and_is_delivered_once_redis_is_back(
        app, make_user, mail, redis_server):
    import redis as redis_lib

    from tests.conftest import burst_worker

    app.config["REDIS_URL"] = app.extensions["redis_url"] = redis_server.url
    user = make_user("coordinator")
    redis_server.stop()
    with app.app_context():
        notifications.notify(db.session, user, "new_request")
        db.session.commit()  # succeeds although Redis is down
    assert [r.state for r in rows(app)] == [OutboxState.PENDING]
    redis_server.start()
    dispatch._redis_failed_at = 0.0
    with app.app_context():
        assert dispatch.push_pending() == 1
    conn = redis_lib.Redis.from_url(redis_server.url)
    burst_worker(["mail"], conn).work(burst=True)
    assert [r.state for r in rows(app)] == [OutboxState.DONE]
    assert len(mail) == 1


def test_a_debounced_job_absorbs_repeated_requests(app):
    with app.app_context():
        for _ in range(10):
            outbox.enqueue(db.session, "recompute_waiting", None, delay=timedelta(seconds=60),
                           dedupe_key="recompute_waiting")
        db.session.commit()
    assert len(rows(app)) == 1


def test_a_delayed_job_is_not_pushed_before_its_time(app):
    with app.app_context():
        outbox.enqueue(db.session, "recompute_waiting", None, delay=timedelta(seconds=60))
        db.session.commit()
        assert dispatch.push_pending() == 0
    assert [r.state for r in rows(app)] == [OutboxState.PENDING]


def test_the_reconciler_requeues_a_job_redis_lost(app, make_user, mail, redis, run_jobs):
    from portal.models import utcnow

    user = make_user("coordinator")
    with app.app_context():
        notifications.notify(db.session, user, "new_request")
        db.session.commit()
    redis.flushdb()  # Redis loses everything, e.g. a restart without persistence
    with app.app_context():
        assert dispatch.reconcile(now=utcnow() + timedelta(minutes=11)) == 1
    run_jobs()
    assert [r.state for r in rows(app)] == [OutboxState.DONE]
    assert len(mail) == 1


def test_the_reconciler_leaves_jobs_that_are_still_queued(app, make_user):
    from portal.models import utcnow

    user = make_user("coordinator")
    with app.app_context():
        notifications.notify(db.session, user, "new_request")
        db.session.commit()
        assert dispatch.reconcile(now=utcnow() + timedelta(minutes=11)) == 0


def test_job_arguments_in_redis_are_ids_only(app, make_user, redis):
    user = make_user("coordinator", email="canary-person@example.org")
    with app.app_context():
        notifications.notify(db.session, user, "new_request")
        db.session.commit()
    dump = b"".join(v for key in redis.scan_iter("rq:job:*") for v in redis.hgetall(key).values())
    assert b"canary-person" not in dump


def test_every_job_kind_names_a_handler_the_worker_can_run_and_a_queue_it_serves():
    from portal.services.outbox import registry
    from workers.run import QUEUE_NAMES

    for kind, spec in registry.KINDS.items():
        assert callable(registry.handler(kind)), kind
        assert spec.queue in QUEUE_NAMES and spec.queue in registry.JOB_TIMEOUTS


def test_the_web_app_loads_no_worker_code():
    import subprocess
    import sys

    probe = ("import sys; import wsgi; "
             "print(sorted(m for m in sys.modules if m == 'workers' or m.startswith('workers.')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**__import__("os").environ, "PORTAL_ENV": "development",
                               "PORTAL_INSTANCE": __import__("tempfile").mkdtemp()}, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_the_notification_stays_unsent_when_its_row_is_in_app_only(app, make_user, mail, run_jobs):
    user = make_user("participant", email_notifications=False)
    with app.app_context():
        note = notifications.notify(db.session, user, "introduction")
        db.session.commit()
    run_jobs()
    assert note.status == DeliveryStatus.IN_APP and rows(app) == [] and mail == []
    with app.app_context():
        assert db.session.get(Notification, note.id).status == DeliveryStatus.IN_APP
