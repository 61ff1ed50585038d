"""The French catalogue is complete: every string the code can show has a careful translation.

A string added without one fails here with its text: `make translations` adds it to the .po,
then fill in its msgstr. The extraction below is the Makefile's own, so the two never drift.
"""

from __future__ import annotations

import re
import shlex
import subprocess  # nosec B404: pybabel, the project's own tool, on the project's own files
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}|%%")


def extraction_arguments() -> list[str]:
    """The EXTRACT options of the Makefile's `translations` target."""
    line = re.search(r"^EXTRACT\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    return shlex.split(line)


@pytest.fixture(scope="module")
def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle)


def forms(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (tuple, list)) else (message.id,)


def translations(message) -> tuple[str, ...]:
    string = message.string
    return tuple(string) if isinstance(string, (tuple, list)) else (string,)


def test_every_string_in_the_code_is_in_the_french_catalogue(catalogue, tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract",  # nosec B603
                    *extraction_arguments(), "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        extracted = {forms(m)[0] for m in read_po(handle) if m.id}
    translated = {forms(m)[0] for m in catalogue if m.id and all(translations(m))}
    missing = sorted(extracted - translated)
    assert not missing, (f"{len(missing)} strings have no French translation (run `make "
                         f"translations`, then translate them in {PO.relative_to(ROOT)}): {missing}")


def test_no_french_entry_is_empty_or_fuzzy(catalogue):
    empty = [forms(m)[0] for m in catalogue if m.id and not all(translations(m))]
    fuzzy = [forms(m)[0] for m in catalogue if m.id and m.fuzzy]
    assert not empty and not fuzzy, {"empty": empty, "fuzzy": fuzzy}


def test_every_translation_keeps_the_placeholders_of_its_english(catalogue):
    wrong = [forms(m)[0] for m in catalogue if m.id
             for index, french in enumerate(translations(m))  # French forms 1, 2: the plural
             if sorted(PLACEHOLDER.findall(forms(m)[min(index, len(forms(m)) - 1)]))
             != sorted(PLACEHOLDER.findall(french))]
    assert not wrong, wrong


def test_plurals_have_every_french_form(catalogue):
    plural_forms = catalogue.num_plurals
    short = [m.id[0] for m in catalogue if isinstance(m.id, tuple)
             and len(m.string) != plural_forms]
    assert not short, short


def test_the_compiled_catalogue_is_the_one_in_git(catalogue):
    assert MO.exists(), "the French catalogue is not compiled: run `make install`"
    with MO.open("rb") as handle:
        compiled = {forms(m)[0]: translations(m) for m in read_mo(handle) if m.id}
    stale = [forms(m)[0] for m in catalogue
             if m.id and compiled.get(forms(m)[0]) != translations(m)]
    assert not stale, f"{MO.name} is older than the .po: run `make install` ({stale[:5]})"
