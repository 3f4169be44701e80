"""Shared fixtures: the engine, the fake Bot API, settings with a database per test, and
the real bot application driven update by update or running over HTTP.

- ``engine``: one :class:`FaqEngine` for the whole session (loading takes a second). Do
  not attach phrasings to it; a test that does loads its own with ``FaqEngine.load()``.
- ``api``: a :class:`tests.fakebotapi.FakeBotAPI` on a free local port.
- ``settings``: :class:`bot.settings.Settings` pointing at ``api`` with its own database
  in ``tmp_path``.
- ``bot``: a :class:`BotHarness` around the real application built by
  ``build_application`` (rate limiter off), initialised and with its services started.
  Feed it updates with ``bot.text(...)``, ``bot.command(...)``, ``bot.press(...)`` or
  ``bot.process(update_dict)``; each returns the messages the bot sent or edited
  meanwhile. An exception in any handler fails the test (PTB would only log it), unless
  the test sets ``bot.allow_errors``.
- ``running_bot(api, settings, engine)``: the real application polling the fake over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.app import Timeouts, build_application
from bot.context import SERVICES_KEY, BotApplication, BotContext, Services
from bot.jobs import DEFAULT_INTERVALS, JobIntervals
from bot.run import ALLOWED_UPDATES
from bot.settings import Settings
from faq.engine import FaqEngine
from tests.fakebotapi import FakeBotAPI
from tests.fakebotapi_updates import JSON

TOKEN = "123456:TEST-token-for-the-fake-api"
HASH_KEY = "test-user-hash-key-0123456789"
DEFAULT_TIMEOUTS = Timeouts()  # the bot's own


@pytest.fixture(scope="session")
def engine() -> FaqEngine:
    return FaqEngine.load()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


def bot_process_env(api: FakeBotAPI, database: Path, log_level: str) -> dict[str, str]:
    """The environment of ``python -m bot`` run as a subprocess against ``api``: this
    machine's, without any SKINFAQ_/TELEGRAM_ setting of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SKINFAQ_", "TELEGRAM_"))}
    return env | {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": api.base_url,
        "SKINFAQ_DATABASE": str(database),
        "SKINFAQ_USER_HASH_KEY": HASH_KEY,
        "SKINFAQ_LOG_LEVEL": log_level,
    }


@contextlib.asynccontextmanager
async def bot_subprocess(env: Mapping[str, str], cwd: Path) -> AsyncIterator[BotProcess]:
    """``python -m bot`` with ``env``, its log (stderr) kept; killed if still running when
    the test leaves."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=dict(env), stderr=asyncio.subprocess.PIPE
    )
    try:
        yield BotProcess(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@dataclass
class BotProcess:
    """A bot subprocess: stop it with a signal and read what it logged."""

    process: asyncio.subprocess.Process

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    async def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 60) -> str:  # noqa: ASYNC109
        """Send ``sig``, wait for the exit and return the log."""
        self.process.send_signal(sig)
        return await self.log(timeout)

    async def log(self, timeout: float = 60) -> str:  # noqa: ASYNC109
        """Wait for the exit and return the log."""
        _, stderr = await asyncio.wait_for(self.process.communicate(), timeout)
        return stderr.decode()


def make_settings(api: FakeBotAPI, database: Path, **overrides: Any) -> Settings:
    """Settings for a bot talking to ``api`` with its database at ``database``."""
    values: dict[str, Any] = {
        "token": TOKEN,
        "base_url": api.base_url,
        "database": database,
        "user_hash_key_value": HASH_KEY,
        "default_lang": "id",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(api: FakeBotAPI, tmp_path: Path) -> Settings:
    return make_settings(api, tmp_path / "data" / "bot.sqlite3")


@dataclass
class BotHarness:
    """The real application, fed one update at a time with ``process_update``."""

    app: BotApplication
    api: FakeBotAPI
    errors: list[BaseException] = field(default_factory=list)
    allow_errors: bool = False

    @property
    def services(self) -> Services:
        services = self.app.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        return services

    async def process(self, update: Mapping[str, Any]) -> list[JSON]:
        """Handle one update dict; return the messages sent or edited meanwhile."""
        before = len(self.api.sent_messages())
        await self.app.process_update(Update.de_json(dict(update), self.app.bot))
        return self.api.sent_messages()[before:]

    async def text(self, text: str, **options: Any) -> list[JSON]:
        """A user writes ``text`` (private chat with the default user unless told; options
        as for :meth:`FakeBotAPI.text_message`)."""
        return await self.process(self.api.text_message(text, push=False, **options))

    async def command(
        self, name: str, args: str = "", *, mention: bool = False, **options: Any
    ) -> list[JSON]:
        """A user sends ``/name args``."""
        return await self.process(
            self.api.command(name, args, mention=mention, push=False, **options)
        )

    async def press(self, data: str | None, **options: Any) -> list[JSON]:
        """A user presses a button with ``data`` (under the bot's last message by default)."""
        return await self.process(self.api.callback_query(data, push=False, **options))


async def record_error(update: object, context: BotContext) -> None:
    """Error handler for tests: keep the exception so the test fails on it."""
    harness = context.application.bot_data.get("test_harness")
    if isinstance(harness, BotHarness) and context.error is not None:
        harness.errors.append(context.error)


async def start_services(app: BotApplication) -> None:
    """``initialize`` then ``post_init``, as ``run_polling`` does."""
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)


async def stop_services(app: BotApplication) -> None:
    """``shutdown`` then ``post_shutdown``, as ``run_polling`` does."""
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)


@pytest.fixture
async def bot(api: FakeBotAPI, settings: Settings, engine: FaqEngine) -> AsyncIterator[BotHarness]:
    app = build_application(settings, engine=engine, rate_limit=False)
    harness = BotHarness(app, api)
    app.bot_data["test_harness"] = harness
    app.add_error_handler(record_error)
    await start_services(app)
    try:
        yield harness
    finally:
        await stop_services(app)
    if harness.errors and not harness.allow_errors:
        raise harness.errors[0]


@contextlib.asynccontextmanager
async def running_bot(
    api: FakeBotAPI,
    settings: Settings,
    engine: FaqEngine,
    *,
    rate_limit: bool = False,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    poll_timeout: float = 1,
    intervals: JobIntervals = DEFAULT_INTERVALS,
) -> AsyncIterator[BotHarness]:
    """The real application polling ``api`` over HTTP, as ``skinfaq bot`` runs it, its jobs
    included. Any exception reaching an error handler fails the test unless
    ``allow_errors`` is set."""
    app = build_application(
        settings, engine=engine, rate_limit=rate_limit, timeouts=timeouts, intervals=intervals
    )
    harness = BotHarness(app, api)
    app.bot_data["test_harness"] = harness
    app.add_error_handler(record_error)
    await start_services(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(
        poll_interval=0, timeout=poll_timeout, allowed_updates=list(ALLOWED_UPDATES)
    )
    try:
        yield harness
    finally:
        await app.updater.stop()
        await app.stop()  # handles every update already fetched
        await stop_services(app)
    if harness.errors and not harness.allow_errors:
        raise harness.errors[0]
