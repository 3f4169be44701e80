"""``skinfaq health`` and ``skinfaq start``: liveness for containers, one command to run."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import pytest

from bot import cli
from bot.health import check, heartbeat_path, write_heartbeat
from bot.storage import Store


def test_no_heartbeat_means_not_started(tmp_path: Path) -> None:
    problem = check(tmp_path / "db.sqlite3")
    assert problem is not None and "not started" in problem


def test_a_stale_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    heartbeat_path(db).write_text(f"{time.time() - 1000:.0f}\n")
    assert "old" in (check(db) or "")
    heartbeat_path(db).write_text(f"{time.time():.0f}\n")
    assert check(db) is None


async def test_a_written_heartbeat_is_fresh(tmp_path: Path) -> None:
    # The running bot writes it from a job (tests/test_jobs.py).
    db = tmp_path / "db.sqlite3"
    await write_heartbeat(heartbeat_path(db))
    assert check(db) is None
    assert check(db, now=time.time() + 1000) is not None


def test_health_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "db.sqlite3"
    monkeypatch.setenv("SKINFAQ_DATABASE", str(db))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["health"]) == 1
    heartbeat_path(db).write_text(f"{time.time():.0f}\n")
    assert cli.main(["health"]) == 0
    assert capsys.readouterr().out.strip() == "ok"


def test_start_without_a_token_runs_the_chat_and_logs_to_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "db.sqlite3"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("SKINFAQ_DATABASE", str(db))
    monkeypatch.setenv("SKINFAQ_USER_HASH_KEY", "test-key")
    monkeypatch.setattr("sys.stdin", io.StringIO("1\n1\nmilia nular ga?\nquit\n"))
    assert cli.main(["start", "--lang", "en"]) == 0
    out, err = capsys.readouterr()
    assert "no TELEGRAM_BOT_TOKEN" in err
    assert "What milia are" in out  # topic 1 of the menu
    assert "What are milia?" in out  # entry 1 of that topic, answered

    async def unanswered() -> int:
        store = await Store.open(db, user_hash_key=b"test-key")
        try:
            return len(await store.list_groups())
        finally:
            await store.close()

    assert asyncio.run(unanswered()) == 1
