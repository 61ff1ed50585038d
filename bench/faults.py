"""Fault injection against the production processes: does any email or job get lost?

`python -m bench.faults [--notifications 120] [--horse-kills 30] [--worker-kills 5]`
starts the Procfile's worker, mail lane and clock (production intervals) against a
private redis-server, a real SMTP server (aiosmtpd, each message taking 50–500 ms) and
the database in ``BENCH_DATABASE_URL`` (a PostgreSQL database of its own: it is wiped)
or a fresh SQLite file. While notifications (one in eight urgent), suggestion jobs and
plan runs are written in waves, it SIGKILLs work-horses mid-job, SIGKILLs whole workers
(and starts them again), flushes Redis with jobs queued and, on PostgreSQL, terminates
every connection of the portal. Then it waits for the work to drain and prints
``name: value`` lines: faults made, work done, lost and duplicated, and recovery times.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import secrets
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import redis
import sqlalchemy as sa

from tests.processes import WorkerProcess, process_env

ROOT = Path(__file__).resolve().parent.parent
ALL_WEEK = (1 << 28) - 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def say(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


class SlowMailbox:
    """An SMTP server that takes a while over each message, so kills land mid-send."""

    def __init__(self, rng: random.Random):
        self.rng, self.received = rng, []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.rng.uniform(0.05, 0.5))
        message_id = next((line.split(b":", 1)[1].strip() for line in envelope.content.splitlines()
                           if line.lower().startswith(b"message-id:")), b"")
        self.received.append((message_id.decode(), time.time()))
        return "250 Message accepted for delivery"


class Bench:
    def __init__(self, args):
        self.args, self.rng = args, random.Random(args.seed)
        self.folder = Path(tempfile.mkdtemp(prefix="faults-"))
        self.database_url = os.environ.get("BENCH_DATABASE_URL") or \
            f"sqlite:///{self.folder / 'portal.sqlite3'}"
        self.on_postgres = self.database_url.startswith("postgres")
        self.redis_port = _free_port()
        self.config = {
            "ENV_NAME": "testing", "SECRET_KEY": secrets.token_urlsafe(48),
            "DATA_KEYS": f"f1:{_key()}", "BLIND_INDEX_KEY": _key(), "AUDIT_KEY": f"f1:{_key()}",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0", "MAIL_BACKEND": "smtp",
            "MAIL_HOST": "127.0.0.1", "MAIL_PORT": _free_port(), "MAIL_STARTTLS": False,
            "MAIL_FROM": "Notifications <no-reply@portal.test>",
            "PUBLIC_URL": "https://portal.test", "RATELIMIT_ENABLED": False,
        }
        self.figures: dict[str, object] = {}
        self.workers: dict[str, WorkerProcess] = {}
        self.procfile = self._procfile()

    # ------------------------------------------------------------ set-up

    def _procfile(self) -> dict[str, list[str]]:
        lines = (ROOT / "Procfile").read_text().splitlines()
        return {name.strip(): shlex.split(command) for name, _, command in
                (line.partition(":") for line in lines if line.strip())}

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        from portal import create_app
        from portal.migrations import upgrade

        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--maxmemory-policy", "noeviction"], stdout=subprocess.DEVNULL)
        self.conn = redis.Redis(port=self.redis_port)
        for _ in range(200):
            try:
                self.conn.ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.02)
        if self.on_postgres:
            engine = sa.create_engine(self.database_url.replace("postgresql://", "postgresql+psycopg://"))
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            engine.dispose()
        upgrade(self.database_url)
        self.mailbox = SlowMailbox(self.rng)
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=self.config["MAIL_PORT"])
        self.smtp.start()
        os.environ["PORTAL_INSTANCE"] = str(self.folder / "bench")
        self.app = create_app(dict(self.config))
        self._seed()
        self.env = process_env(self.config, self.folder)
        for name in ("worker", "mail"):
            self._start_worker(name)
        clock = self.procfile["clock"]
        self.clock = subprocess.Popen([sys.executable, *clock[1:]], env=self.env, stdout=subprocess.DEVNULL,
                                      stderr=open(self.folder / "clock.log", "wb"))  # noqa: SIM115

    def _start_worker(self, name: str) -> None:
        command = self.procfile[name]
        args = command[command.index("workers.run") + 1:]
        self.workers[name] = WorkerProcess(self.env, self.folder / f"{name}.log", *args)

    def _seed(self) -> None:
        from portal.db import db
        from portal.models import OnboardingState, Role, Setting, User, VolunteerProfile
        from portal.security.crypto import blind_index
        from portal.services.settings import DEFAULTS

        with self.app.app_context():
            # Mail held for quiet hours is not late: switch them off to measure delivery alone.
            db.session.add(Setting(key="quiet_hours",
                                   value={**DEFAULTS["quiet_hours"], "start": "00:00", "end": "00:00"}))
            self.staff = []
            for n in range(4):
                email = f"coordinator{n}@example.org"
                user = User(role=Role.COORDINATOR, email=email,
                            email_index=blind_index(email, "email"), password_hash="x")
                db.session.add(user)
                self.staff.append(user)
            for n in range(30):
                email = f"volunteer{n}@example.org"
                user = User(role=Role.VOLUNTEER, email=email,
                            email_index=blind_index(email, "email"), password_hash="x")
                db.session.add(user)
                db.session.flush()
                db.session.add(VolunteerProfile(
                    user_id=user.id, state=OnboardingState.ACTIVE, display_name=f"V{n}",
                    experience=["grief_loss"], boundaries=[], practice_area="family",
                    career_band="11_20", region="calgary", languages=["en"], capacity=3,
                    availability_mask=ALL_WEEK))
            db.session.commit()

    def _intake(self, session):
        from portal.models import Intake, Role, User
        from portal.security.crypto import blind_index

        email = f"participant-{uuid.uuid4().hex[:12]}@example.org"
        user = User(role=Role.PARTICIPANT, email=email, email_index=blind_index(email, "email"),
                    password_hash="x", email_notifications=False)
        session.add(user)
        session.flush()
        intake = Intake(participant_id=user.id, alias="Sam", member_type="lawyer",
                        career_band="6_10", practice_area="family", region="calgary",
                        languages=["en"], concerns=["grief_loss"], primary_concern="grief_loss",
                        availability_mask=ALL_WEEK, consent_version="2026-11")
        session.add(intake)
        session.flush()
        return intake

    # ------------------------------------------------------------ work

    def write_wave(self, notifications_: int, suggestions: int) -> None:
        from portal.db import db
        from portal.services import notifications, outbox

        with self.app.app_context():
            for _ in range(notifications_):
                kind = "urgent_request" if self.rng.random() < 0.125 else "new_request"
                notifications.notify(db.session, self.rng.choice(self.staff), kind)
            for _ in range(suggestions):
                outbox.enqueue(db.session, "suggest_for_intake", self._intake(db.session).id)
            db.session.commit()

    def start_plan(self) -> None:
        from portal.db import db
        from portal.services import planning

        with self.app.app_context():
            planning.start_plan(db.session, actor=self.staff[0])
            db.session.commit()

    # ------------------------------------------------------------ faults

    def urgent_behind_backlog(self) -> list[float]:
        """No faults yet: seconds from commit to the SMTP server for urgent mail behind a backlog."""
        from portal.db import db
        from portal.services import notifications

        self.write_wave(60, suggestions=5)  # routine work queued first
        waits = []
        for _ in range(5):
            with self.app.app_context():
                note = notifications.notify(db.session, self.staff[0], "safety_flag")
                db.session.commit()
            committed, wanted = time.time(), f"<n-{note.id}@portal.test>"
            while time.time() - committed < 120:
                arrived = [at for message_id, at in self.mailbox.received if message_id == wanted]
                if arrived:
                    waits.append(arrived[0] - committed)
                    break
                time.sleep(0.02)
            time.sleep(0.5)
        return waits

    def horse_kills(self) -> int:
        """SIGKILL work-horses mid-job while a backlog drains; more work when it runs dry."""
        self.write_wave(self.args.notifications, suggestions=10)
        self.start_plan()
        kills = 0
        for attempt in range(self.args.horse_kills * 40):
            if kills >= self.args.horse_kills:
                break
            worker = self.workers[self.rng.choice(list(self.workers))]
            try:
                worker.horse(timeout=2)
            except AssertionError:  # nothing running: the backlog has drained
                self.write_wave(10, suggestions=2)
                continue
            time.sleep(self.rng.uniform(0.0, 0.1))
            try:
                worker.kill_horse(timeout=0.5)
                kills += 1
            except (AssertionError, ProcessLookupError):
                pass  # that job finished first
            if attempt % 10 == 9:
                self.start_plan()
        return kills

    def worker_kills(self) -> int:
        for _ in range(self.args.worker_kills):
            self.write_wave(8, suggestions=1)
            name = self.rng.choice(list(self.workers))
            time.sleep(self.rng.uniform(0.1, 0.6))
            self.workers[name].kill_all()
            time.sleep(self.rng.uniform(1.0, 3.0))
            self._start_worker(name)
        return self.args.worker_kills

    def redis_flush(self) -> tuple[float, float]:
        """Flush Redis with a wave queued: seconds until it is back on a queue, and all sent."""
        from portal.db import db
        from portal.models import DeliveryStatus, Notification, OutboxJob, OutboxState

        with self.app.app_context():
            before = set(db.session.execute(sa.select(Notification.id)).scalars())
        self.write_wave(20, suggestions=0)
        self.conn.flushall()
        flushed_at, flushed_utc, requeued = time.monotonic(), time.time(), float("nan")
        with self.app.app_context():
            wave = set(db.session.execute(sa.select(Notification.id)).scalars()) - before
            refs = [str(note_id) for note_id in wave]
            while time.monotonic() - flushed_at < 600:
                rows = db.session.execute(sa.select(OutboxJob.state, OutboxJob.dispatched_at)
                                          .where(OutboxJob.ref.in_(refs))).all()
                sent = db.session.execute(sa.select(sa.func.count()).select_from(Notification).where(
                    Notification.id.in_(wave), Notification.status == DeliveryStatus.SENT)).scalar()
                db.session.rollback()
                lost = [row for row in rows if row.state == OutboxState.DISPATCHED
                        and row.dispatched_at.timestamp() <= flushed_utc]
                if requeued != requeued and not lost:  # nan until every row is back
                    requeued = round(time.monotonic() - flushed_at, 1)
                if sent == len(wave):
                    return requeued, round(time.monotonic() - flushed_at, 1)
                time.sleep(0.25)
        return requeued, float("nan")

    def connection_drops(self) -> int:
        if not self.on_postgres:
            return 0
        engine = sa.create_engine(self.database_url.replace("postgresql://", "postgresql+psycopg://"))
        drops = 0
        with engine.connect() as admin:
            for _ in range(3):
                self.write_wave(10, suggestions=1)
                time.sleep(self.rng.uniform(0.05, 0.4))
                admin.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
                admin.commit()
                drops += 1
                time.sleep(1.0)
        engine.dispose()
        return drops

    # ------------------------------------------------------------ outcome

    def drain(self, started: float) -> float:
        from portal.db import db
        from portal.models import OutboxJob, OutboxState

        deadline = time.monotonic() + self.args.drain_timeout
        with self.app.app_context():
            while time.monotonic() < deadline:
                open_rows = db.session.execute(sa.select(sa.func.count()).select_from(OutboxJob).where(
                    OutboxJob.state.in_([OutboxState.PENDING, OutboxState.DISPATCHED]))).scalar()
                db.session.rollback()
                if open_rows == 0:
                    return round(time.monotonic() - started, 1)
                time.sleep(0.5)
        return float("nan")

    def outcome(self) -> None:
        from portal.db import db
        from portal.models import (
            DeliveryStatus,
            Notification,
            OutboxJob,
            OutboxState,
            PlanProposal,
            PlanRun,
            Suggestion,
        )

        with self.app.app_context():
            notes = db.session.execute(sa.select(Notification).where(
                Notification.kind.in_(["urgent_request", "new_request", "safety_flag"]))
            ).scalars().all()
            received = Counter(message_id for message_id, _ in self.mailbox.received)
            first_sent = {}
            for message_id, at in self.mailbox.received:
                first_sent.setdefault(message_id, at)
            waits = {note.id: first_sent[f"<n-{note.id}@portal.test>"] - note.created_at.timestamp()
                     for note in notes if note.urgent and f"<n-{note.id}@portal.test>" in first_sent}
            undisturbed = [waits[note.id] for note in notes if note.id in waits and note.attempts == 1]
            urgent_waits = list(waits.values())
            suggestion_rows = db.session.execute(sa.select(OutboxJob).where(
                OutboxJob.kind == "suggest_for_intake")).scalars().all()
            with_suggestions = db.session.execute(
                sa.select(sa.func.count(sa.distinct(Suggestion.intake_id)))).scalar()
            duplicate_suggestions = db.session.execute(sa.select(sa.func.count()).select_from(
                sa.select(Suggestion.intake_id, Suggestion.volunteer_id).group_by(
                    Suggestion.intake_id, Suggestion.volunteer_id).having(
                    sa.func.count() > 1).subquery())).scalar()
            runs = db.session.execute(sa.select(PlanRun)).scalars().all()
            proposals_doubled = db.session.execute(sa.select(sa.func.count()).select_from(
                sa.select(PlanProposal.plan_run_id, PlanProposal.intake_id).group_by(
                    PlanProposal.plan_run_id, PlanProposal.intake_id).having(
                    sa.func.count() > 1).subquery())).scalar()
            failed_rows = db.session.execute(sa.select(sa.func.count()).select_from(OutboxJob).where(
                OutboxJob.state == OutboxState.FAILED)).scalar()
        expected = {f"<n-{note.id}@portal.test>" for note in notes}
        self.figures.update({
            "notifications": len(notes),
            "urgent_notifications": sum(note.urgent for note in notes),
            "notifications_sent": sum(note.status == DeliveryStatus.SENT for note in notes),
            "emails_lost": len(expected - set(received)),
            "duplicate_emails": sum(count - 1 for count in received.values()),
            "duplicates_with_same_message_id": "yes",  # counted by Message-ID above
            "suggestion_jobs": len(suggestion_rows),
            "suggestion_jobs_done": sum(row.state == OutboxState.DONE for row in suggestion_rows),
            "intakes_with_suggestions": with_suggestions,
            "duplicate_suggestions": duplicate_suggestions,
            "plan_runs": len(runs),
            "plan_runs_done": sum(run.status == "done" for run in runs),
            "duplicate_plan_proposals": proposals_doubled,
            "outbox_rows_failed": failed_rows,
            "urgent_send_p50_s": _p50(urgent_waits),
            "urgent_send_max_s": round(max(urgent_waits), 2) if urgent_waits else None,
            # Urgent emails that went out at their first attempt, whatever the faults around.
            "urgent_first_attempt": len(undisturbed),
        })

    def stop(self) -> None:
        for worker in self.workers.values():
            worker.stop()
        if getattr(self, "clock", None) is not None:
            self.clock.terminate()
            self.clock.wait(timeout=30)
        if getattr(self, "smtp", None) is not None:
            self.smtp.stop()
        if getattr(self, "redis", None) is not None:
            self.redis.terminate()
            self.redis.wait(timeout=10)

    def run(self) -> dict:
        try:
            self.start()
            say(f"faults: database {'PostgreSQL' if self.on_postgres else 'SQLite'}, "
                f"workers {', '.join(self.workers)}; killing horses…")
            self.figures["database"] = "postgresql" if self.on_postgres else "sqlite"
            behind = self.urgent_behind_backlog()
            self.figures["urgent_behind_backlog_p50_s"] = _p50(behind)
            self.figures["urgent_behind_backlog_max_s"] = round(max(behind), 2) if behind else None
            self.figures["horse_kills"] = self.horse_kills()
            say("killing whole workers…")
            self.figures["worker_kills"] = self.worker_kills()
            say("flushing Redis with a wave queued…")
            requeued, delivered = self.redis_flush()
            self.figures["redis_flush_requeued_s"] = requeued
            self.figures["redis_flush_all_sent_s"] = delivered
            say("dropping database connections…")
            self.figures["db_connection_drops"] = self.connection_drops()
            say("draining…")
            self.figures["drain_after_last_fault_s"] = self.drain(time.monotonic())
            self.outcome()
        finally:
            self.stop()
        return self.figures


def _p50(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=120)
    parser.add_argument("--horse-kills", type=int, default=30)
    parser.add_argument("--worker-kills", type=int, default=5)
    parser.add_argument("--drain-timeout", type=int, default=900)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args(argv)
    for name, value in Bench(args).run().items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
