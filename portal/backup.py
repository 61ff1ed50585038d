"""Backups: the whole database in one file, a manifest beside it, and a restore that checks
the keys before it touches anything.

A backup is a private folder ``portal-<UTC time>/`` holding ``database.sqlite3`` (SQLite's
online backup API) or ``database.pgdump`` (``pg_dump --format=custom``) and ``manifest.json``:
the schema revision, the file's SHA-256, and a keyed fingerprint of every key the data needs
(each DATA_KEYS id in use, BLIND_INDEX_KEY, each AUDIT_KEY id in use). A fingerprint shows
whether a key is the same one, and reveals nothing of it. The keys are never in a backup: a
backup without them is unreadable, so they are kept apart (see docs/deploy.md, key escrow).

Restore refuses, naming the key, unless the configured keys match every fingerprint; then it
replaces the database in one step (SQLite: one backup-API copy; PostgreSQL: the schema dropped
and the dump replayed by psql in one transaction), so a failure leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # runs PostgreSQL's own dump tools, fixed arguments
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.db import make_engine
from portal.security import audit, crypto, files

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    folder: Path
    revision: str
    values_checked: int


# ---------------------------------------------------------------- keys


def _encrypted_columns() -> list[tuple[sa.Table, list]]:
    from portal.models import Base
    from portal.security.rotation import encrypted_fields

    found = []
    for mapper in Base.registry.mappers:
        fields = encrypted_fields(mapper.class_)
        if fields:
            table = mapper.local_table
            found.append((table, [table.c[field.column] for field in fields]))
    return found


def _data_key_ids(conn: sa.Connection) -> set[str]:
    ids: set[str] = set()
    for _table, columns in _encrypted_columns():
        for column in columns:
            for token in conn.execute(sa.select(column).where(column.is_not(None))).scalars():
                ids.add(crypto.key_id_of(bytes(token)))
    return ids


def _audit_key_ids(conn: sa.Connection) -> set[str]:
    from portal.models import AuditEvent

    column = AuditEvent.__table__.c.key_id
    return set(conn.execute(sa.select(column).where(column.is_not(None)).distinct()).scalars())


def key_fingerprints(conn: sa.Connection) -> dict:
    """A fingerprint of each key the stored data needs, under the configured keys."""
    ring, audit_keys = crypto.keyring(), audit.audit_keys()
    data, signing = {}, {}
    for key_id in sorted(_data_key_ids(conn)):
        if key_id not in ring.keys:
            raise BackupError(f"stored values are sealed with key {key_id!r}, which DATA_KEYS "
                              "lacks: put it back before making a backup")
        data[key_id] = crypto.key_check(ring.keys[key_id], f"data:{key_id}")
    for key_id in sorted(_audit_key_ids(conn)):
        if key_id not in audit_keys.keys:
            raise BackupError(f"audit events are signed with key {key_id!r}, which AUDIT_KEY lacks")
        signing[key_id] = crypto.key_check(audit_keys.keys[key_id], f"audit:{key_id}")
    return {"data_keys": data, "audit_keys": signing,
            "blind_index_key": crypto.key_check(ring.index_key, "blind-index")}


def key_problems(fingerprints: dict) -> list[str]:
    """What the configured keys lack to read data with these fingerprints ([] when none)."""
    ring, audit_keys = crypto.keyring(), audit.audit_keys()
    problems = []
    for key_id, expected in fingerprints["data_keys"].items():
        key = ring.keys.get(key_id)
        if key is None:
            problems.append(f"DATA_KEYS has no key {key_id!r}, which the backup's values are sealed with")
        elif crypto.key_check(key, f"data:{key_id}") != expected:
            problems.append(f"DATA_KEYS' key {key_id!r} is not the key of that id the backup needs")
    if expected := fingerprints["blind_index_key"]:
        if expected not in {crypto.key_check(key, "blind-index") for key in ring.index_keys}:
            problems.append("BLIND_INDEX_KEY is not the backup's: sign-in by email and conflict "
                            "checks would fail (add the backup's key after the current one)")
    for key_id, expected in fingerprints["audit_keys"].items():
        key = audit_keys.keys.get(key_id)
        if key is None or crypto.key_check(key, f"audit:{key_id}") != expected:
            problems.append(f"AUDIT_KEY lacks the backup's key {key_id!r}: its chain would not verify")
    return problems


def unreadable_values(session: Session) -> tuple[int, list[str]]:
    """Decrypt every encrypted field: (values read, where one failed)."""
    from portal.models import Base
    from portal.security.rotation import encrypted_fields

    read, failed = 0, []
    for mapper in Base.registry.mappers:
        fields = encrypted_fields(mapper.class_)
        if not fields:
            continue
        for row in session.execute(sa.select(mapper.class_)).scalars():
            for field in fields:
                if getattr(row, field.column) is None:
                    continue
                try:
                    field.__get__(row)
                    read += 1
                except crypto.CryptoError:
                    failed.append(f"{mapper.local_table.name}.{field.name} of {row.id}")
        session.expunge_all()
    return read, failed


# ---------------------------------------------------------------- files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env(url: sa.URL) -> dict:
    """libpq's variables for ``url``: the password never appears on a command line."""
    env = {**os.environ}
    for variable, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                            ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[variable] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _run(command: list[str], env: dict, **kwargs) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False,  # noqa: S603 # nosec B603  # PostgreSQL's own tools, no shell
                            **kwargs)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


# ---------------------------------------------------------------- create and restore


def create(database_url: str, folder: str | Path) -> Path:
    """Back the database up into a new private folder under ``folder``; returns it."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            fingerprints = key_fingerprints(conn)
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = files.private_dir(Path(folder) / f"portal-{stamp}")
        if engine.dialect.name == "sqlite":
            dump = files.private_file(target / "database.sqlite3")
            source = sqlite3.connect(engine.url.database)
            copy = sqlite3.connect(dump)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        else:
            dump = files.private_file(target / "database.pgdump")
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={dump}"], _pg_env(engine.url))
    finally:
        engine.dispose()
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(),
                "dialect": engine.dialect.name, "revision": revision, "file": dump.name,
                "sha256": _sha256(dump), **fingerprints}
    files.write_private(target / MANIFEST, json.dumps(manifest, indent=2).encode())
    return target


def check(folder: str | Path) -> dict:
    """The backup's manifest, once its file is whole and the configured keys open it."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a portal backup (no readable {MANIFEST})") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not one this version reads")
    dump = folder / manifest["file"]
    if not dump.exists() or _sha256(dump) != manifest["sha256"]:
        raise BackupError(f"{dump} is missing or damaged (its SHA-256 differs from the manifest's)")
    from alembic.script import ScriptDirectory

    from portal.migrations import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config(""))
    if manifest["revision"] not in {script.revision for script in scripts.walk_revisions()}:
        raise BackupError(f"the backup is at schema revision {manifest['revision']!r}, which this "
                          "version does not know: restore it with the version that made it")
    problems = key_problems(manifest)
    if problems:
        raise BackupError("the configured keys do not open this backup; nothing was restored:\n  - "
                          + "\n  - ".join(problems))
    return manifest


def restore(database_url: str, folder: str | Path) -> Restored:
    """Replace the database with the backup's, or raise BackupError having changed nothing."""
    folder = Path(folder)
    manifest = check(folder)
    engine = make_engine(database_url)
    try:
        if engine.dialect.name != manifest["dialect"]:
            raise BackupError(f"a {manifest['dialect']} backup cannot be restored into "
                              f"{engine.dialect.name}; nothing was restored")
        dump = folder / manifest["file"]
        if engine.dialect.name == "sqlite":
            _restore_sqlite(dump, engine.url.database)
        else:
            _restore_postgresql(dump, engine.url)
        with Session(engine) as session:
            read, failed = unreadable_values(session)
    finally:
        engine.dispose()
    if failed:
        raise BackupError(f"restored, but {len(failed)} values do not decrypt, e.g. {failed[0]}")
    return Restored(folder=folder, revision=manifest["revision"], values_checked=read)


def _restore_sqlite(dump: Path, database: str) -> None:
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    target = sqlite3.connect(database, timeout=30)
    try:
        source.backup(target)  # one step: every page, or (on an error) none
    finally:
        target.close()
        source.close()


def _restore_postgresql(dump: Path, url: sa.URL) -> None:
    env = _pg_env(url)
    script = subprocess.run(  # noqa: S603 # nosec B603  # PostgreSQL's own tool, no shell
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(dump)],
        env=env, capture_output=True, check=False)
    if script.returncode != 0:
        raise BackupError(f"pg_restore failed: {script.stderr.decode(errors='replace')[-2000:]}")
    # The schema dropped and the dump replayed in one transaction: all of it, or nothing.
    prelude = b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
    _run([_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction",
          "--set=ON_ERROR_STOP=1", "--file=-"], env, input=(prelude + script.stdout).decode())
