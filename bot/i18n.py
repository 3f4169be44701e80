"""UI strings in the user's language: gettext catalogs read with babel, locale negotiation.

Every string the bot itself says is an English msgid wrapped in ``_()`` (or ``N_()`` where
it is translated later), extracted with ``pybabel extract -F babel.cfg -o
locales/messages.pot .`` into ``locales/messages.pot``, and translated in
``locales/<lang>/LC_MESSAGES/messages.po``. English is the source language and needs no
catalog. A compiled ``.mo`` beside a ``.po`` is used when it is at least as new (the Docker
build compiles them); otherwise the ``.po`` is compiled in memory on first use, so a fresh
checkout runs without a compile step. A missing or broken catalog raises
:class:`CatalogError`.

FAQ content (answers, notices, warnings) is data of the core, per language, not gettext.

Usage in a handler::

    tr = texts(lang)
    _ = tr.gettext
    await message.reply_text(_("Choose your language:"))
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

# The catalogs: locales/ at the top of a checkout (also an editable install's), packaged
# as bot/locales in a wheel.
_HERE: Final = Path(__file__).resolve().parent
LOCALES_DIR: Final = next(
    (d for d in (_HERE / "locales", _HERE.parent / "locales") if d.is_dir()), _HERE / "locales"
)
DOMAIN: Final = "messages"
SOURCE_LANG: Final = "en"
SUPPORTED: Final = ("id", "en")
# Malay is close enough to Indonesian for a Malay speaker to prefer it over English.
_LANGUAGE_ALIASES: Final = {"ms": "id"}
# Shown on the language buttons as each language calls itself, whatever the UI language.
LANGUAGE_NAMES: Final = {"id": "Bahasa Indonesia", "en": "English"}


class CatalogError(RuntimeError):
    """A translation catalog is missing or cannot be read."""


def N_(message: str) -> str:  # the gettext convention babel's extractor knows
    """Mark a string for extraction; translate it later with :meth:`Texts.gettext`."""
    return message


@functools.lru_cache(maxsize=256)  # asked on every message; clients send a few codes
def negotiate(language_code: str | None, default: str) -> str:
    """The supported language for a Telegram ``language_code`` ("id-ID", "ms", "en-US")."""
    if not language_code:
        return default
    try:
        locale = Locale.parse(language_code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return default
    language = _LANGUAGE_ALIASES.get(locale.language, locale.language)
    return negotiate_locale([language], SUPPORTED) or default


def catalog_path(lang: str) -> Path:
    """Where the catalog of ``lang`` lives."""
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of ``lang`` (English: the msgids themselves), cached."""
    if lang not in SUPPORTED:
        raise CatalogError(f"unsupported language {lang!r}; supported: {', '.join(SUPPORTED)}")
    if lang == SOURCE_LANG:
        return NullTranslations()
    path = catalog_path(lang)
    compiled = path.with_suffix(".mo")
    try:
        if _is_current(compiled, path):
            with compiled.open("rb") as fp:
                return Translations(fp, domain=DOMAIN)
        with path.open("rb") as fp:
            catalog = read_po(fp, locale=lang, domain=DOMAIN)
    except OSError as exc:
        raise CatalogError(f"translation catalog {path} is missing: {exc}") from exc
    except Exception as exc:  # babel and gettext raise various errors on a malformed file
        raise CatalogError(f"translation catalog {path} cannot be read: {exc}") from exc
    buffer = io.BytesIO()
    # Fuzzy entries are drafts; gettext falls back to English for them, like msgfmt.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def _is_current(compiled: Path, source: Path) -> bool:
    """Whether ``compiled`` exists and is not older than ``source`` (an edited .po wins)."""
    try:
        return compiled.stat().st_mtime >= source.stat().st_mtime
    except FileNotFoundError:
        return False


def check_catalogs() -> None:
    """Load every catalog now, so a missing one stops the bot at startup, not mid-reply."""
    for lang in SUPPORTED:
        translations(lang)


@dataclass(frozen=True, slots=True)
class Texts:
    """The UI texts and number/date formats of one language."""

    lang: str

    def gettext(self, message: str) -> str:
        """``message`` (an English msgid) in this language."""
        return translations(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural form for ``n``, in this language."""
        return translations(self.lang).ngettext(singular, plural, n)

    def number(self, value: int | float) -> str:
        """A number as this language writes it (1,234 in English, 1.234 in Indonesian)."""
        return format_decimal(value, locale=self.lang)

    def date(self, value: dt.date) -> str:
        """A date written out ("27 Mei 2025", "May 27, 2025")."""
        return format_date(value, format="long", locale=self.lang)


@functools.cache
def texts(lang: str) -> Texts:
    """The :class:`Texts` of a supported language; raises CatalogError for any other."""
    translations(lang)  # fail at once on a missing catalog, not at the first string
    return Texts(lang)
