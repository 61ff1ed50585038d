"""The program's own lists (regions, practice areas): entries an admin adds, renames, retires.

``entries(session, name)`` is the one way to read a list. Its code is stored on requests and
profiles and never changes; its bit is its fixed place in the matching engine's encoding (a
new entry takes the next free one, up to ``WIDTH``). Retiring an entry stops forms offering
it; nothing is ever deleted, so old requests, records and reports keep their words.

Pages read the lists on every request, so each process keeps all rows (one query) for
``CACHE_SECONDS`` (``table_cache``, as for settings), dropped at once by a write in this process and at
every job's start (``forget_cached``). Each load also hands the codes to ``portal.vocab``, the
plain data the matching engine reads (it imports no Flask and no database).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Session

from portal import vocab
from portal.i18n import lazy_gettext as _l
from portal.models import ProgramListEntry, utcnow
from portal.services.errors import DomainError
from portal.services.table_cache import TableCache

LISTS = {"regions": _l("Regions"), "practice_areas": _l("Practice areas")}
WIDTH = vocab.LIST_WIDTH  # entries a list can ever hold, retired ones included
LABEL_LENGTH = 80
CODE_LENGTH = 32
CACHE_SECONDS = 5.0


class EntryRefused(DomainError):
    """A list change the rules refuse; ``field`` names the form field the message belongs to."""

    status = 422

    def __init__(self, message: str, field: str = "label") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Entry:
    code: str
    label: str
    label_fr: str | None
    bit: int
    position: int
    retired: bool

    def words(self, french: bool = False) -> str:
        """The label in the reader's language: French when asked for and given."""
        return self.label_fr if french and self.label_fr else self.label


def _read(session: Session) -> dict[str, tuple[Entry, ...]]:
    """Every list, and the codes by bit handed to the engine (``vocab.publish_list``)."""
    rows = session.execute(sa.select(ProgramListEntry).order_by(
        ProgramListEntry.list_name, ProgramListEntry.position, ProgramListEntry.bit)).scalars()
    lists: dict[str, list[Entry]] = {name: [] for name in LISTS}
    for row in rows:
        lists.setdefault(row.list_name, []).append(Entry(
            row.code, row.label, row.label_fr, row.bit, row.position, row.retired_at is not None))
    loaded = {name: tuple(entries) for name, entries in lists.items()}
    for name, entries in loaded.items():
        by_bit = {entry.bit: entry.code for entry in entries}
        vocab.publish_list(name, tuple(by_bit.get(bit) for bit in range(max(by_bit, default=-1) + 1)))
    return loaded


_lists = TableCache(ProgramListEntry, _read, lambda: CACHE_SECONDS)


def forget_cached() -> None:
    """Read the lists afresh next time (after a write, and at the start of every job)."""
    _lists.forget()


def _load(session: Session) -> dict[str, tuple[Entry, ...]]:
    return _lists.get(session)


def loaded(session: Session) -> dict[str, tuple[Entry, ...]]:
    """Every list as read now: the same object until the lists are read again (a write in this
    process, or ``CACHE_SECONDS`` passed), so what was made from it can be kept while it is."""
    return _load(session)


def _check_name(name: str) -> None:
    if name not in LISTS:
        raise KeyError(name)


def entries(session: Session, name: str) -> tuple[Entry, ...]:
    """Every entry of list ``name``, retired ones included, in display order."""
    _check_name(name)
    return _load(session)[name]


def published(session: Session) -> tuple:
    """The lists as the matching engine now knows them (loaded and handed over if need be)."""
    _load(session)
    return tuple(vocab.list_codes(name) for name in LISTS)


def french() -> bool:
    """Whether the person reading reads French (the French label is shown when given)."""
    locale = get_locale()
    return locale is not None and locale.language == "fr"


def choices(session: Session, name: str, keep: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of the entries a form offers: the current ones, and ``keep`` (a retired
    code the record already holds, so that saving it again does not drop it)."""
    fr = french()
    return [(e.code, e.words(fr)) for e in entries(session, name)
            if not e.retired or (keep is not None and e.code == keep)]


def label(session: Session, name: str, code: str | None) -> str:
    """The words for ``code`` in the reader's language, retired or not ("" for none, the code
    itself if unknown)."""
    if not code:
        return ""
    for entry in entries(session, name):
        if entry.code == code:
            return entry.words(french())
    return code


def codes(session: Session, name: str, *, retired: bool = True) -> tuple[str, ...]:
    """The codes of list ``name`` in display order (without retired ones if asked)."""
    return tuple(e.code for e in entries(session, name) if retired or not e.retired)


# ---------------------------------------------------------------- changes, for admins


def _rows(session: Session, name: str) -> list[ProgramListEntry]:
    return list(session.execute(sa.select(ProgramListEntry).where(
        ProgramListEntry.list_name == name).order_by(ProgramListEntry.position)).scalars())


def _row(session: Session, name: str, code: str) -> ProgramListEntry:
    _check_name(name)
    row = session.execute(sa.select(ProgramListEntry).where(
        ProgramListEntry.list_name == name, ProgramListEntry.code == code)).scalar_one_or_none()
    if row is None:
        from portal.services.errors import NotFound

        raise NotFound(_l("There is no such entry."))
    return row


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _check_label(text: str, field: str, *, required: bool) -> None:
    if not text and required:
        raise EntryRefused(_l("Please enter the words people will see."), field)
    if len(text) > LABEL_LENGTH:
        raise EntryRefused(_l("Please keep this to %(n)d characters or fewer.", n=LABEL_LENGTH),
                           field)
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise EntryRefused(_l("This contains an invisible character we cannot store. "
                              "Please type it again."), field)


def _check_unique(rows: list[ProgramListEntry], text: str, field: str, own: int | None) -> None:
    folded = text.casefold()
    for row in rows:
        if row.id != own and folded in {row.label.casefold(), (row.label_fr or "").casefold()}:
            raise EntryRefused(
                _l("“%(label)s” is already on the list (retired: bring it back instead).",
                   label=row.label) if row.retired_at else
                _l("“%(label)s” is already on the list.", label=row.label), field)


def _checked(rows, label: str | None, label_fr: str | None, own: int | None = None):
    label, label_fr = _clean(label), _clean(label_fr)
    _check_label(label, "label", required=True)
    _check_label(label_fr, "label_fr", required=False)
    _check_unique(rows, label, "label", own)
    if label_fr:
        _check_unique(rows, label_fr, "label_fr", own)
    return label, label_fr or None


def slug(text: str) -> str:
    """A stored code made from a label: lower-case ASCII letters, digits and underscores."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:CODE_LENGTH].strip("_")


def _new_code(rows: list[ProgramListEntry], label: str) -> str:
    taken, base = {row.code for row in rows}, slug(label) or "entry"
    code, n = base, 1
    while code in taken:
        n += 1
        suffix = f"_{n}"
        code = base[: CODE_LENGTH - len(suffix)] + suffix
    return code


def _audit(session, row: ProgramListEntry, change: str, actor) -> None:
    from portal.security import audit

    # The row's number, never its code or words: those come from what the admin typed.
    audit.record(session, actor=actor, action=change, subject_type="list_entry",
                 subject_id=str(row.id))


def add_entry(session: Session, name: str, label: str | None, label_fr: str | None = None, *,
              actor=None) -> ProgramListEntry:
    """A new entry at the end of the list, with the next free bit and a code made from its
    label; refused beyond ``WIDTH`` entries (retired ones count: their bits stay theirs)."""
    _check_name(name)
    rows = _rows(session, name)
    label, label_fr = _checked(rows, label, label_fr)
    bits = {row.bit for row in rows}
    free = [bit for bit in range(WIDTH) if bit not in bits]
    if not free:
        raise EntryRefused(_l("This list is full: it can hold %(n)d entries, retired ones "
                              "included. Rename a retired entry and bring it back instead.",
                              n=WIDTH))
    row = ProgramListEntry(list_name=name, code=_new_code(rows, label), label=label,
                           label_fr=label_fr, bit=free[0],
                           position=max((r.position for r in rows), default=-1) + 1,
                           updated_by_id=getattr(actor, "id", None))
    session.add(row)
    session.flush()  # its id, for the audit event
    _audit(session, row, "list_entry_added", actor)
    return row


def rename_entry(session: Session, name: str, code: str, label: str | None,
                 label_fr: str | None = None, *, actor=None) -> ProgramListEntry:
    """New words for an entry; its code, and every record holding it, stay as they are."""
    row = _row(session, name, code)
    label, label_fr = _checked(_rows(session, name), label, label_fr, own=row.id)
    if (label, label_fr) != (row.label, row.label_fr):
        row.label, row.label_fr = label, label_fr
        row.updated_by_id = getattr(actor, "id", None)
        _audit(session, row, "list_entry_renamed", actor)
    return row


def retire_entry(session: Session, name: str, code: str, *, actor=None) -> ProgramListEntry:
    """Forms stop offering the entry; records holding it keep it, and its words."""
    row = _row(session, name, code)
    if row.retired_at is None:
        row.retired_at, row.updated_by_id = utcnow(), getattr(actor, "id", None)
        _audit(session, row, "list_entry_retired", actor)
    return row


def restore_entry(session: Session, name: str, code: str, *, actor=None) -> ProgramListEntry:
    """A retired entry offered again."""
    row = _row(session, name, code)
    if row.retired_at is not None:
        row.retired_at, row.updated_by_id = None, getattr(actor, "id", None)
        _audit(session, row, "list_entry_restored", actor)
    return row


def move_entry(session: Session, name: str, code: str, step: int, *, actor=None) -> None:
    """Show the entry one place earlier (step -1) or later (+1); codes and bits never move."""
    rows = _rows(session, name)
    row = _row(session, name, code)
    at = next(i for i, r in enumerate(rows) if r.id == row.id)
    other = at + (1 if step > 0 else -1)
    if 0 <= other < len(rows):
        rows[at], rows[other] = rows[other], rows[at]
        for position, each in enumerate(rows):
            each.position = position
        _audit(session, row, "list_entry_moved", actor)
