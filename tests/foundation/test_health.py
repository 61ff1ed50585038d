"""GET /healthz in both states."""


def test_healthy_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"db": "ok", "redis": "ok", "workers": 0, "outbox_pending": 0}


def test_unhealthy_when_redis_is_down(app, client, redis_server):
    app.extensions["redis_url"] = redis_server.url
    redis_server.stop()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["redis"] == "error" and response.json["db"] == "ok"


def test_unhealthy_when_the_database_is_unreachable(app, client, tmp_path):
    from portal.db import db, make_engine

    db.session.remove()
    db.engine.dispose()
    db.engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}")
    db.session.configure(bind=db.engine)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["db"] == "error"
