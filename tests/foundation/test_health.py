"""GET /healthz: the database, Redis, live workers, and how long work has waited."""

from datetime import timedelta

import sqlalchemy as sa
from rq.serializers import JSONSerializer

from portal.db import db
from portal.models import Notification, OutboxJob, utcnow
from portal.services import notifications, outbox


def test_healthy_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"db": "ok", "redis": "ok", "workers": 0, "outbox_pending": 0,
                             "outbox_oldest_waiting_s": None, "urgent_oldest_unsent_s": None,
                             "audit_chain": "unchecked", "problems": []}


def test_unhealthy_when_redis_is_down(app, client, redis_server):
    app.extensions["redis_url"] = redis_server.url
    redis_server.stop()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["redis"] == "error" and response.json["db"] == "ok"
    assert response.json["problems"] == ["redis"]


def test_unhealthy_when_the_database_is_unreachable(app, client, tmp_path):
    from portal.db import make_engine

    db.session.remove()
    db.engine.dispose()
    db.engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}")
    db.session.configure(bind=db.engine)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["db"] == "error"


def _age_outbox_rows(app, seconds):
    with app.app_context():
        db.session.execute(sa.update(OutboxJob).values(
            run_after=utcnow() - timedelta(seconds=seconds)))
        db.session.commit()


def test_reports_how_long_the_oldest_due_job_has_waited(app, client):
    with app.app_context():
        outbox.enqueue(db.session, "recompute_waiting")
        db.session.commit()
    _age_outbox_rows(app, 40)
    report = client.get("/healthz").json
    assert 40 <= report["outbox_oldest_waiting_s"] < 60
    assert report["problems"] == []


def test_unhealthy_when_a_due_job_waits_past_the_threshold(app, client):
    with app.app_context():
        outbox.enqueue(db.session, "recompute_waiting")
        db.session.commit()
    _age_outbox_rows(app, app.config["OUTBOX_LATE_SECONDS"] + 5)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["problems"] == ["jobs_late"]


def test_a_job_delayed_on_purpose_is_not_late(app, client):
    with app.app_context():
        outbox.enqueue(db.session, "recompute_waiting", delay=timedelta(hours=8))
        db.session.commit()
    assert client.get("/healthz").json["outbox_oldest_waiting_s"] is None


def test_reports_and_alarms_on_an_unsent_urgent_email(app, client, make_user):
    coordinator = make_user("coordinator")
    with app.app_context():
        note = notifications.notify(db.session, coordinator, "urgent_request")
        db.session.commit()
        db.session.execute(sa.update(Notification).where(Notification.id == note.id).values(
            created_at=utcnow() - timedelta(seconds=app.config["URGENT_LATE_SECONDS"] + 30)))
        db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["urgent_oldest_unsent_s"] >= app.config["URGENT_LATE_SECONDS"] + 30
    assert "urgent_mail_late" in response.json["problems"]


def test_a_routine_email_waiting_is_not_an_urgent_one(app, client, make_user):
    with app.app_context():
        notifications.notify(db.session, make_user("coordinator"), "new_request")
        db.session.commit()
    assert client.get("/healthz").json["urgent_oldest_unsent_s"] is None


def _registered_worker(app, redis, name, heartbeat_age):
    from workers.run import build_worker

    worker = build_worker(app)
    worker.name = name
    worker.register_birth()
    if heartbeat_age:
        stale = utcnow() - timedelta(seconds=heartbeat_age)
        redis.hset(worker.key, "last_heartbeat", stale.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    return worker


def test_counts_live_workers_only(app, client, redis):
    _registered_worker(app, redis, "alive", heartbeat_age=0)
    _registered_worker(app, redis, "killed", heartbeat_age=120)  # still listed, no longer beating
    assert client.get("/healthz").json["workers"] == 1


def test_a_worker_registers_again_after_redis_forgot_it(app, client, redis):
    from rq import Worker

    worker = _registered_worker(app, redis, "survivor", heartbeat_age=0)
    redis.flushdb()  # Redis restarted empty while the worker went on working
    assert client.get("/healthz").json["workers"] == 0
    worker.heartbeat()
    assert client.get("/healthz").json["workers"] == 1
    assert [w.name for w in Worker.all(connection=redis, serializer=JSONSerializer)] == ["survivor"]


def check_audit_chain(app):
    from portal.services import audit_check

    with app.app_context():
        audit_check.check_chain(db.session)
        db.session.commit()


def test_reports_the_last_audit_chain_check_without_walking_the_chain(
        app, client, record_events, tamper):
    ids = record_events(3)
    check_audit_chain(app)
    assert client.get("/healthz").json["audit_chain"] == "intact"
    tamper.update(ids[1], detail="nothing")
    assert client.get("/healthz").json["audit_chain"] == "intact"  # until the next check
    check_audit_chain(app)
    response = client.get("/healthz")
    assert response.json["audit_chain"] == "broken"
    assert response.status_code == 200 and response.json["problems"] == []


def test_an_audit_check_missed_twice_is_stale(app, client, record_events):
    import time_machine

    record_events(1)
    check_audit_chain(app)
    with time_machine.travel(utcnow() + timedelta(days=2, minutes=1)):
        assert client.get("/healthz").json["audit_chain"] == "stale"
