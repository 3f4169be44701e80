"""Privacy helpers: pseudonymous user keys and redaction of personal data in free text.

Telegram user ids are never written to disk. The store keys users by an HMAC of the id
under a secret key, so a copy of the database alone cannot be joined back to Telegram
accounts (ids are small enough to brute-force a plain hash), while the running bot can
still find one user's rows for language settings and ``/forget``.

``redact`` removes the personal data people paste into health questions (phone numbers,
e-mail addresses, national id / card / account numbers) before anything is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

__all__ = [
    "EMAIL_PLACEHOLDER",
    "NUMBER_PLACEHOLDER",
    "PHONE_PLACEHOLDER",
    "key_path_for",
    "load_or_create_hash_key",
    "redact",
    "user_hash",
]

logger = logging.getLogger(__name__)

KEY_BYTES = 32
USER_HASH_HEX_CHARS = 32

EMAIL_PLACEHOLDER = "[email]"
PHONE_PLACEHOLDER = "[phone]"
NUMBER_PLACEHOLDER = "[number]"


def user_hash(key: bytes, user_id: int) -> str:
    """Return the stable pseudonym for a Telegram user id: HMAC-SHA256, 32 hex chars."""
    if not key:
        raise ValueError("user hash key must not be empty")
    message = str(int(user_id)).encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:USER_HASH_HEX_CHARS]


def key_path_for(db_path: str | os.PathLike[str]) -> Path:
    """Where the generated hash key lives when none is configured: ``<db>.key``."""
    return Path(f"{os.fspath(db_path)}.key")


def load_or_create_hash_key(
    env_value: str | None, db_path: str | os.PathLike[str]
) -> tuple[bytes, bool]:
    """Return ``(key, created)``.

    A configured secret wins. Otherwise the key is read from ``<db>.key``, or generated
    there (mode 0600) on first run, in which case ``created`` is True so the caller can
    warn: losing that file orphans every stored user (their rows can no longer be found
    for /forget or settings), and it must be backed up together with the database.
    """
    if env_value is not None and env_value.strip():
        return env_value.strip().encode("utf-8"), False
    path = key_path_for(db_path)
    if path.exists():
        return _read_key(path), False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    # Write to a private temp file, then link it into place: link() fails if the key
    # already exists, so two processes starting at once (bot and CLI) agree on one key
    # and nobody ever reads a half-written file.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return _read_key(path), False
    finally:
        tmp.unlink(missing_ok=True)
    return key, True


def _read_key(path: Path) -> bytes:
    # A corrupt key file is an error, never a reason to silently make a new key: that
    # would detach every stored row from its user.
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"hash key file {path} is not valid hex") from None
    if len(key) < 16:
        raise ValueError(f"hash key file {path} holds fewer than 16 bytes")
    if path.stat().st_mode & 0o077:
        logger.warning("hash key file %s is readable by other users; chmod 600 it", path)
    return key


# Local-part characters: RFC 5322 dot-atom plus any Unicode word character (str.isalnum,
# as regex \w), for internationalised addresses.
_LOCAL_PUNCT = frozenset("_!#$%&'*+/=?^`{|}~.-")
_DOMAIN_RE = re.compile(r"[\w\-]++(?:\.[\w\-]++)+")


def _redact_emails(text: str) -> str:
    """Replace ``local@domain.tld`` by scanning outward from each ``@``.

    A regex would either be quadratic on long runs of letters (it retries the local part
    from every position) or, with a lookbehind to prevent that, not idempotent. Walking
    from each "@" visits every character a bounded number of times.
    """
    out: list[str] = []
    done = 0  # text[:done] has been emitted
    at = text.find("@")
    while at != -1:
        start = at
        while start > done and (text[start - 1].isalnum() or text[start - 1] in _LOCAL_PUNCT):
            start -= 1
        domain = _DOMAIN_RE.match(text, at + 1)
        if start < at and domain is not None:
            out += (text[done:start], EMAIL_PLACEHOLDER)
            done = domain.end()
            at = text.find("@", done)
        else:
            at = text.find("@", at + 1)
    out.append(text[done:])
    return "".join(out)


# A numeric token: digits joined by single separators as people type phone numbers and
# ids ("0812-3456-7890", "+1 (555) 123 4567", "3201 0123 4567 0001"). Dots and commas
# join too so that "Rp 15.000.000" or "38,5" is seen as one token and judged whole
# instead of being cut into pieces that might add up to 8 digits.
_SPACES = "\u00a0\u2009\u202f"
_DASHES = "\u2010-\u2015"
_SEP = rf"(?:[ {_SPACES}\-{_DASHES}.,]|\)[ \-]?|[ \-]?\()"
_TOKEN_RE = re.compile(rf"[+(]?\d(?:{_SEP}?\d)*")
_DIGIT_RE = re.compile(r"\d")
_DECIMAL_SPLIT_RE = re.compile(r"[.,]")
_YEAR_RANGE_RE = re.compile(rf"(?:19|20)\d\d ?[\-{_DASHES}] ?(?:19|20)\d\d")
_MIN_DIGITS = 8


def _classify(token: str) -> str | None:
    """Return the placeholder for a numeric token, or None to keep it."""
    digits = "".join(_DIGIT_RE.findall(token))
    if len(digits) < _MIN_DIGITS:
        return None
    parts = _DECIMAL_SPLIT_RE.split(token)
    part_digits = [len(_DIGIT_RE.findall(part)) for part in parts]
    n = len(digits)
    if token.startswith("+") and n <= 15:
        return PHONE_PLACEHOLDER
    # Local numbers: mobile 08xx / landline 0xx. The first group must be a real prefix so
    # that opening hours like "08.00-17.00" stay.
    if digits.startswith("0") and 9 <= n <= 13 and part_digits[0] >= 3:
        return PHONE_PLACEHOLDER
    if digits.startswith("628") and 11 <= n <= 14:
        return PHONE_PLACEHOLDER
    # Thousands separators and decimals split the token: "Rp 150.000.000" is a price, but
    # any single run of 8+ digits (NIK, card, account number) is personal data.
    if max(part_digits) >= _MIN_DIGITS:
        return None if _YEAR_RANGE_RE.fullmatch(token) else NUMBER_PLACEHOLDER
    return None


def _replace_token(match: re.Match[str]) -> str:
    token = match.group(0)
    return _classify(token) or token


def redact(text: str) -> str:
    """Replace e-mail addresses, phone numbers and long digit runs with placeholders.

    Short numbers that carry the medical meaning of a question ("3 mm", "40an",
    "38,5", "2 minggu", "Rp 150.000") are kept. The function is idempotent.
    """
    # E-mails first: their local part may hold a phone number, which would otherwise
    # be replaced alone and leave "[phone]@gmail.com" behind.
    text = _redact_emails(text)
    return _TOKEN_RE.sub(_replace_token, text)
