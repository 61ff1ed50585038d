"""Flask commands: ``flask --app wsgi <command>``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from portal.db import db


def register(app) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(outbox_group)
    app.cli.add_command(crypto_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(backup_group)
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_staff)
    app.cli.add_command(reset_mfa)


@click.group("db", cls=AppGroup)
def db_group():
    """Database schema (Alembic migrations in migrations/versions, on DATABASE_URL)."""


@db_group.command("upgrade")
@click.argument("revision", default="head", required=False)
@click.option("--revision", "revision_option", default=None, help="The same as REVISION.")
def db_upgrade(revision, revision_option):
    """Apply migrations up to REVISION (default head; the same on SQLite and PostgreSQL)."""
    from portal import migrations

    revision = revision_option or revision
    migrations.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.argument("revision", default="-1", required=False)
def db_downgrade(revision):
    """Undo migrations down to REVISION (default -1: the last one). Back up first."""
    from portal import migrations

    migrations.downgrade(current_app.config["DATABASE_URL"], revision, stdout=_Echo())
    click.echo(f"database at {revision}")


@db_group.command("current")
def db_current():
    """Print the revision the database is at; "(head)" means up to date."""
    from portal import migrations

    migrations.current(current_app.config["DATABASE_URL"], stdout=_Echo())


@db_group.command("history")
def db_history():
    """List every revision, newest first; the database's own is marked "(current)"."""
    from portal import migrations

    migrations.history(current_app.config["DATABASE_URL"], stdout=_Echo())


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does, in a few words.")
@click.option("--autogenerate/--empty", default=True, show_default=True,
              help="Fill it with the models' difference from the (upgraded) database.")
def db_revision(message, autogenerate):
    """Write the next numbered migration under migrations/versions; read it before committing."""
    from alembic.util import CommandError

    from portal import migrations

    try:
        path = migrations.revision(current_app.config["DATABASE_URL"], message,
                                   autogenerate=autogenerate, stdout=_Echo())
    except CommandError as exc:  # e.g. the database is behind: upgrade it first
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {path}")


class _Echo:
    """A file-like stdout for Alembic that prints through click (seen by click's test runner)."""

    def write(self, text: str) -> None:
        click.echo(text, nl=False)

    def flush(self) -> None:
        pass


@click.group("outbox", cls=AppGroup)
def outbox_group():
    """Jobs waiting to reach the queue."""


@outbox_group.command("relay")
def outbox_relay():
    """Push every due pending job to RQ now and repair jobs Redis has lost."""
    from portal.services.outbox import dispatch

    pushed = dispatch.push_pending()
    repaired = dispatch.reconcile()
    click.echo(f"pushed {pushed}, repaired {repaired}")


@click.group("crypto", cls=AppGroup)
def crypto_group():
    """Encryption keys."""


@crypto_group.command("new-key")
def crypto_new_key():
    """Print a fresh random key for DATA_KEYS, BLIND_INDEX_KEY or AUDIT_KEY."""
    from portal.security.crypto import new_key

    click.echo(new_key())


@crypto_group.command("rotate")
@click.option("--batch", default=500, show_default=True)
def crypto_rotate(batch):
    """Re-encrypt every stored secret with the current (first) key in DATA_KEYS; say what is left."""
    from portal.security.crypto import keyring
    from portal.security.rotation import rotate_all, values_by_key

    changed = rotate_all(db.session, batch=batch)
    click.echo(f"re-encrypted {changed} values")
    ring, used = keyring(), values_by_key(db.session)
    db.session.rollback()
    click.echo(f"  {used[ring.current]} values sealed with the current key {ring.current!r}")
    for key_id in ring.keys:
        if key_id == ring.current:
            continue
        if used[key_id]:
            click.echo(f"  {used[key_id]} values still sealed with {key_id!r}: run rotate again "
                       "(a process still on the old DATA_KEYS wrote them); keep the key")
        else:
            click.echo(f"  no value uses {key_id!r} any more: it may leave DATA_KEYS once every "
                       "process runs with the new list; keep it in escrow while a backup made "
                       "before now exists")
    for key_id in sorted(set(used) - set(ring.keys)):
        click.echo(f"  {used[key_id]} values sealed with {key_id!r}, which DATA_KEYS lacks: "
                   "they cannot be read until it is put back")


@crypto_group.command("reindex")
def crypto_reindex():
    """Recompute every blind index under the first BLIND_INDEX_KEY (after putting a new one first)."""
    from portal.security.crypto import keyring
    from portal.security.rotation import reindex_all

    changed = reindex_all(db.session)
    click.echo(f"recomputed {changed} blind indexes under the current key")
    if keyring().previous_index_keys:
        click.echo("  every blind index now uses the first key: the others may leave "
                   "BLIND_INDEX_KEY (keep them in escrow while a backup made before now exists)")


@click.group("audit", cls=AppGroup)
def audit_group():
    """The audit log's hash chain."""


@audit_group.command("verify")
@click.option("--batch", default=1000, show_default=True, help="Events read per query.")
def audit_verify(batch):
    """Walk the whole chain; exit 1 at its first broken link (event id, time and what)."""
    from portal.security import audit

    result = audit.verify(db.session, batch=batch)
    db.session.rollback()  # a read: end the transaction the walk opened
    if result.broken is None:
        click.echo(f"audit chain intact: {result.events} events")
        if result.unkeyed:
            click.echo(f"  of which {result.unkeyed} from before AUDIT_KEY (plain SHA-256)")
        return
    broken = result.broken
    where = "the empty chain" if broken.event_id is None else f"event {broken.event_id}"
    when = f" ({broken.ts.isoformat()})" if broken.ts else ""
    click.echo(f"audit chain broken at {where}{when}: {broken.words}")
    click.echo(f"  {result.events} events verified before it")
    raise click.exceptions.Exit(1)


@click.group("backup", cls=AppGroup)
def backup_group():
    """Back the database up, check a backup, restore one (the keys are never in a backup)."""


@backup_group.command("create")
@click.option("--to", "folder", type=click.Path(file_okay=False), default=None,
              help="Folder for the new backup (default: backups/ under the instance folder).")
def backup_create(folder):
    """Write the database and a manifest (schema revision, checksum, key fingerprints)."""
    from pathlib import Path

    from portal import backup

    folder = folder or str(Path(current_app.instance_path) / "backups")
    try:
        made = backup.create(current_app.config["DATABASE_URL"], folder)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {made}")
    click.echo("  it is unreadable without DATA_KEYS, BLIND_INDEX_KEY and AUDIT_KEY: keep those "
               "in escrow, never beside the backup")


@backup_group.command("check")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def backup_check(folder):
    """Check a backup is whole and that the configured keys open it; change nothing."""
    from portal import backup

    try:
        manifest = backup.check(folder)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup of {manifest['created_at']} (revision {manifest['revision']}) is whole, "
               "and the configured keys open it")


@backup_group.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask: the database's current content is replaced.")
def backup_restore(folder, yes):
    """Replace the database with a backup. Stop web, workers and clock first."""
    from portal import backup

    try:
        backup.check(folder)  # before asking: wrong keys or a damaged file need no confirmation
        if not yes:
            click.confirm("Replace everything in the database with this backup?", abort=True)
        db.session.remove()
        db.engine.dispose()  # no connection of ours may hold the database during the swap
        restored = backup.restore(current_app.config["DATABASE_URL"], folder)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {restored.folder} (revision {restored.revision}); "
               f"{restored.values_checked} encrypted values read back")
    click.echo("  next: flask --app wsgi db upgrade, then start web, workers and clock")


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when accounts already exist.")
def seed_demo(if_empty):
    """Demo data for development: staff, about 30 volunteers, about 10 intakes."""
    from portal.demo import seed

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("demo data is never seeded in production")
    sign_ins = seed(db.session, only_if_empty=if_empty)
    db.session.commit()
    for role, email, password in sign_ins:
        click.echo(f"  {role:<12} {email:<32} {password}")


@click.command("create-staff")
@with_appcontext
@click.option("--email", prompt=True)
@click.option("--role", type=click.Choice(["coordinator", "admin"]), default="coordinator")
@click.option("--name", default=None, help="A name participants may see beside this person's "
              "looks at their request (only if the program's settings show staff names).")
@click.password_option()
def create_staff(email, role, name, password):
    """Create a coordinator or admin account."""
    from portal.security.passwords import password_problem
    from portal.services.accounts import create_user

    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    user = create_user(db.session, email=email, password=password, role=role)
    user.display_name = (name or "").strip()[:80] or None
    db.session.commit()
    click.echo(f"{role} account created")


@click.command("reset-mfa")
@click.option("--email", prompt=True)
@with_appcontext
def reset_mfa(email):
    """Forget a staff member's authenticator and passkeys (lost phone); they set it up again."""
    from portal.services import mfa
    from portal.services.accounts import find_by_email

    user = find_by_email(db.session, email)
    if user is None:
        raise click.ClickException("no account with that email")
    mfa.reset(db.session, user)
    db.session.commit()
    click.echo("second step reset; every session of that account has ended")
