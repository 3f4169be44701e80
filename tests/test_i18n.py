"""Catalogs are complete and current, and languages are negotiated as Telegram sends them.

If a test here fails after changing a UI string:

    pybabel extract -F babel.cfg -o locales/messages.pot .
    pybabel update -i locales/messages.pot -d locales -l id

then translate the new or fuzzy entries in ``locales/id/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import i18n
from bot.i18n import CatalogError, negotiate, texts, translations

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "locales" / "messages.pot"


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=locale)


def messages(catalog: Catalog) -> Iterator[Message]:
    return (m for m in catalog if m.id)


def msgids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in messages(catalog)}


def extracted() -> set[str | tuple[str, ...]]:
    """Every message in the code, extracted as ``pybabel extract -F babel.cfg`` does."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)  # type: ignore[no-untyped-call]
    found: set[str | tuple[str, ...]] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_template_is_up_to_date_with_the_code() -> None:
    code, template = extracted(), msgids(read(POT))
    assert code, "nothing extracted: is babel.cfg right?"
    missing, stale = sorted(map(str, code - template)), sorted(map(str, template - code))
    assert not missing, f"not in messages.pot, re-extract: {missing}"
    assert not stale, f"stale in messages.pot, re-extract: {stale}"


@pytest.mark.parametrize("lang", [lang for lang in i18n.SUPPORTED if lang != i18n.SOURCE_LANG])
def test_every_message_is_translated(lang: str) -> None:
    catalog = read(i18n.catalog_path(lang), locale=lang)
    assert msgids(catalog) == extracted(), "catalog out of date: run pybabel update"
    for message in messages(catalog):
        assert not message.fuzzy, f"fuzzy (unchecked) translation: {message.id!r}"
        singular = message.id if isinstance(message.id, str) else message.id[0]
        raw = message.string
        strings = [raw] if isinstance(raw, str) else list(raw or ())
        assert strings and all(s.strip() for s in strings), f"untranslated: {message.id!r}"
        for translated in strings:
            # The same {placeholders}, or .format() breaks at runtime.
            assert fields(translated) == fields(singular), f"placeholders differ: {singular!r}"
            if re.search(r"[A-Za-z]{4}", singular):
                assert translated != singular, f"left in English: {singular!r}"


def test_runtime_loads_the_po_files_without_compiling() -> None:
    indonesian = texts("id")
    assert indonesian.gettext("Cancel") == "Batal"
    assert indonesian.gettext("not a message in the catalog") == "not a message in the catalog"
    assert texts("en").gettext("Cancel") == "Cancel"
    deleted = (
        "Done. I deleted {count} record about you.",
        "Done. I deleted {count} records about you.",
    )
    assert texts("en").ngettext(*deleted, 1) == deleted[0]
    assert texts("en").ngettext(*deleted, 2) == deleted[1]
    assert indonesian.ngettext(*deleted, 5) == indonesian.ngettext(*deleted, 1)
    assert indonesian.ngettext(*deleted, 5).startswith("Selesai. Saya sudah menghapus {count}")


def test_a_compiled_catalog_is_used_unless_the_po_is_newer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    messages = tmp_path / "id" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    po = messages / "messages.po"
    po.write_bytes(i18n.catalog_path("id").read_bytes())
    catalog = read(po, locale="id")
    catalog["Cancel"].string = "Batal (compiled)"
    with (messages / "messages.mo").open("wb") as fp:
        write_mo(fp, catalog)
    os.utime(po, (1_000_000, 1_000_000))  # the .po is older: the build compiled it
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    try:
        translations.cache_clear()
        assert texts("id").gettext("Cancel") == "Batal (compiled)"
        os.utime(po)  # an editor changed the .po since: the .mo is stale
        translations.cache_clear()
        assert texts("id").gettext("Cancel") == "Batal"
    finally:
        monkeypatch.undo()
        translations.cache_clear()


def test_a_missing_catalog_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    translations.cache_clear()
    try:
        with pytest.raises(CatalogError, match=r"id/LC_MESSAGES/messages\.po"):
            translations("id")
        with pytest.raises(CatalogError, match="unsupported"):
            translations("fr")
    finally:
        monkeypatch.undo()
        translations.cache_clear()
    assert texts("id").gettext("Cancel") == "Batal"


@pytest.mark.parametrize(
    ("language_code", "expected"),
    [
        ("id", "id"),
        ("id-ID", "id"),
        ("in", "id"),  # the old ISO code some Android phones still send
        ("ms", "id"),  # Malay readers read Indonesian
        ("ms-MY", "id"),
        ("en", "en"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("EN_au", "en"),
        ("fr", "default"),
        ("pt-br", "default"),
        ("zz", "default"),
        ("not a locale", "default"),
        ("", "default"),
        (None, "default"),
    ],
)
def test_negotiate_telegram_language_codes(language_code: str | None, expected: str) -> None:
    for default in ("id", "en"):
        assert negotiate(language_code, default) == (default if expected == "default" else expected)


def test_numbers_and_dates_are_formatted_per_language() -> None:
    assert texts("id").number(1234567) == "1.234.567"
    assert texts("en").number(1234567) == "1,234,567"
    day = dt.date(2025, 8, 17)
    assert texts("id").date(day) == "17 Agustus 2025"
    assert texts("en").date(day) == "August 17, 2025"
