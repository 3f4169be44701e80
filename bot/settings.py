"""Settings, read once from the environment (and an optional ``.env`` file) and validated.

Every name is documented in ``.env.example``. Secrets (the bot token, the user
hash key, the webhook secret) never appear in ``repr`` or logs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.privacy import load_or_create_hash_key

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE = "data/skinfaq.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

logger = logging.getLogger(__name__)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """What the bot, the terminal chat and the review CLI are configured with."""

    token: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    admin_ids: frozenset[int] = frozenset()
    database: Path = Path(DEFAULT_DATABASE)
    default_lang: str = "id"
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    user_hash_key_value: str | None = field(default=None, repr=False)
    retention_days: int = 180

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")
    ) -> Settings:
        """Read the settings; values in the environment win over the ``.env`` file."""
        values = dict(_read_dotenv(dotenv)) if dotenv is not None else {}
        values.update(os.environ if env is None else env)

        def get(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        default_lang = (get("SKINFAQ_DEFAULT_LANG") or "id").lower()
        if default_lang not in ("id", "en"):
            raise SettingsError(f"SKINFAQ_DEFAULT_LANG must be 'id' or 'en', not {default_lang!r}")
        log_level = (get("SKINFAQ_LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise SettingsError(f"SKINFAQ_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        token = get("TELEGRAM_BOT_TOKEN")
        if token is not None and (":" not in token or any(c.isspace() for c in token)):
            raise SettingsError("TELEGRAM_BOT_TOKEN does not look like a bot token (id:secret)")
        webhook_url = get("SKINFAQ_WEBHOOK_URL")
        if webhook_url is not None and not webhook_url.startswith("https://"):
            raise SettingsError("SKINFAQ_WEBHOOK_URL must be an https:// URL Telegram can reach")
        secret = get("SKINFAQ_WEBHOOK_SECRET")
        if secret is not None and not (
            1 <= len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)
        ):
            raise SettingsError(
                "SKINFAQ_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )
        return cls(
            token=token,
            base_url=get("TELEGRAM_BASE_URL") or DEFAULT_BASE_URL,
            admin_ids=_parse_ids(get("SKINFAQ_ADMIN_IDS")),
            database=Path(get("SKINFAQ_DATABASE") or DEFAULT_DATABASE),
            default_lang=default_lang,
            log_level=log_level,
            webhook_url=webhook_url,
            webhook_listen=get("SKINFAQ_WEBHOOK_LISTEN") or "0.0.0.0",
            webhook_port=_parse_int("SKINFAQ_WEBHOOK_PORT", get("SKINFAQ_WEBHOOK_PORT"), 8443),
            webhook_secret=secret,
            user_hash_key_value=get("SKINFAQ_USER_HASH_KEY"),
            retention_days=_parse_int("SKINFAQ_RETENTION_DAYS", get("SKINFAQ_RETENTION_DAYS"), 180),
        )

    def user_hash_key(self) -> bytes:
        """The HMAC key for user ids; generated once next to the database if not set."""
        key, created = load_or_create_hash_key(self.user_hash_key_value, self.database)
        if created:
            logger.warning(
                "SKINFAQ_USER_HASH_KEY is not set: generated one and kept it next to the "
                "database. Back it up with the database, or set the variable."
            )
        return key

    def is_admin(self, user_id: int | None) -> bool:
        """Whether a Telegram user id is one of the configured admins."""
        return user_id is not None and user_id in self.admin_ids


def _parse_ids(raw: str | None) -> frozenset[int]:
    if not raw:
        return frozenset()
    try:
        return frozenset(int(part) for part in raw.replace(" ", "").split(",") if part)
    except ValueError as exc:
        raise SettingsError(
            "SKINFAQ_ADMIN_IDS must be comma-separated numeric Telegram user ids"
        ) from exc


def _parse_int(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc
    if value <= 0:
        raise SettingsError(f"{name} must be positive")
    return value


def _read_dotenv(path: Path) -> dict[str, str]:
    """``NAME=value`` lines; comments and blank lines ignored, quotes stripped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    values: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not name.strip():
            raise SettingsError(f"{path}:{number}: expected NAME=value")
        values[name.strip()] = value.strip().strip("'\"")
    return values
