"""The French, English and Arabic catalogs cover every message of the code and templates."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "tracker" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
            "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def _extracted() -> set[str]:
    messages: set[str] = set()
    for folder, method in (("tracker", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        method_map = [(pattern, method)]
        if method == "jinja2":
            method_map.append(("**.txt", method))
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
                str(ROOT / folder), method_map=method_map, keywords=KEYWORDS):
            messages.add(message[0] if isinstance(message, tuple) else message)
    return messages


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    return _extracted()


@pytest.mark.parametrize("locale", ["fr", "en", "ar"])
def test_catalog_translates_every_message_and_holds_no_obsolete_one(extracted, locale):
    path = CATALOGS / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}
    missing = sorted(extracted - ids)
    obsolete = sorted(ids - extracted)
    empty = sorted((m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog
                   if m.id and (not m.string or (isinstance(m.string, tuple)
                                                 and not all(m.string))))
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    assert not missing, f"{locale}: not in the catalog (make translations-extract): {missing[:10]}"
    assert not obsolete, f"{locale}: obsolete entries: {obsolete[:10]}"
    assert not empty, f"{locale}: untranslated: {empty[:10]}"
    assert not fuzzy, f"{locale}: fuzzy entries: {fuzzy[:10]}"
    assert not list(catalog.obsolete), f"{locale}: obsolete (#~) entries remain"
    errors = [(m.id, e) for m, e in catalog.check()]
    assert not errors, f"{locale}: placeholder errors: {errors[:5]}"
