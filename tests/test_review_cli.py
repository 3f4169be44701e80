"""``skinfaq review ...`` and ``skinfaq backup`` through ``bot.cli.main``, on a seeded database.

Every test gets its own database in tmp_path, named by SKINFAQ_DATABASE as the bot's is.
"""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.charts import OUTCOMES
from bot.cli import main
from bot.export import COLUMNS
from bot.storage import Store
from faq.engine import FaqEngine
from tests.png import decode, has_colour, png_size

KEY = "cli-test-key"
PIMPLE = "kenapa milia saya tidak hilang hilang"
CONTAGIOUS = "is milia contagious"
ESCAPE = "milia \x1b[31mred\x1b[0m\nsecond line"


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine.load()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "bot.sqlite3"
    monkeypatch.chdir(tmp_path)  # no stray .env from the working directory
    monkeypatch.setenv("SKINFAQ_DATABASE", str(path))
    monkeypatch.setenv("SKINFAQ_USER_HASH_KEY", KEY)
    monkeypatch.delenv("SKINFAQ_RETENTION_DAYS", raising=False)
    return path


def seed(path: Path, engine: FaqEngine) -> dict[str, int]:
    """PIMPLE x3, CONTAGIOUS x2, ESCAPE x1 (new), an old question and recent outcomes."""

    async def run() -> dict[str, int]:
        now = datetime.now(UTC)
        clock_at = [now]
        async with await Store.open(
            path, user_hash_key=KEY.encode(), clock=lambda: clock_at[0]
        ) as s:
            ids: dict[str, int] = {}
            for text, users in ((PIMPLE, (1, 2, 3)), (CONTAGIOUS, (4, 5)), (ESCAPE, (6,))):
                result = engine.ask(text)
                for user in users:
                    qid = await s.log_question(
                        user_id=user,
                        text=text,
                        group_key=engine.group_key(text),
                        lang="id" if text == PIMPLE else "en",
                        chat_type="private",
                        status="unanswered",
                        candidates=result.candidates,
                    )
                    assert qid is not None
                    ids[text] = qid
            for status in ("answered", "answered", "unanswered", "suggest"):
                entry = "what-is-milia" if status == "answered" else None
                await s.log_outcome(lang="en", status=status, entry_id=entry, chat_type="private")
            await s.record_feedback(user_id=1, entry_id="what-is-milia", helpful=True, lang="en")
            clock_at[0] = now - timedelta(days=100)
            old = await s.log_question(
                user_id=7,
                text="old question",
                group_key="old",
                lang="en",
                chat_type="private",
                status="unanswered",
            )
            assert old is not None
            ids["old"] = old
            return ids

    return asyncio.run(run())


def review_status(path: Path, qid: int) -> tuple[str, str | None]:
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT review_status, attached_entry_id FROM questions WHERE id = ?", (qid,)
        ).fetchone()
    return row[0], row[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def seeded(db: Path, engine: FaqEngine) -> Iterator[dict[str, int]]:
    yield seed(db, engine)


# -- list and show --------------------------------------------------------------------------


def test_list_shows_groups_most_frequent_first(
    seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "review", "list")
    assert code == 0
    assert "Question groups with status 'new': 4, page 1 of 1" in out
    lines = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert [int(line.split()[0]) for line in lines] == [
        seeded[PIMPLE],
        seeded[CONTAGIOUS],
        seeded[ESCAPE],
        seeded["old"],
    ]
    assert lines[0].split()[1:4] == ["3", "3", "id"]
    assert lines[1].split()[1:4] == ["2", "2", "en"]
    assert PIMPLE in lines[0]
    assert "\x1b" not in out and "\\x1b[31mred" in out  # control characters neutralised


def test_list_pages_and_statuses(
    seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "review", "list", "--limit", "1", "--page", "2")
    assert code == 0 and "page 2 of 4" in out and CONTAGIOUS in out and PIMPLE not in out
    code, out, _ = run(capsys, "review", "list", "--status", "ignored")
    assert code == 0 and "Nothing to show." in out
    with pytest.raises(SystemExit) as exc:
        main(["review", "list", "--status", "bogus"])
    assert exc.value.code == 2


def test_show_prints_the_question_and_its_candidates(
    seeded: dict[str, int], capsys: pytest.CaptureFixture[str], engine: FaqEngine
) -> None:
    code, out, _ = run(capsys, "review", "show", str(seeded[PIMPLE]))
    assert code == 0
    assert f"text:      {PIMPLE}" in out and "review:    new" in out
    best, score = engine.ask(PIMPLE).candidates[0]
    assert f"{round(score, 4):.3f}  {best}" in out  # the store keeps four decimals
    assert "The bot now answers:" in out


@pytest.mark.parametrize(
    "argv",
    [
        ("review", "show", "999"),
        ("review", "attach", "999", "what-is-milia"),
        ("review", "ignore", "999"),
        ("review", "resolve", "999"),
    ],
)
def test_unknown_ids_fail_clearly(
    seeded: dict[str, int], capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert "no question with id 999" in err


@pytest.mark.parametrize("bad", ["0", "-1", "abc"])
def test_malformed_ids_are_usage_errors(seeded: dict[str, int], bad: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["review", "show", bad])
    assert exc.value.code == 2


# -- review actions -------------------------------------------------------------------------


def test_attach_moves_the_group_and_stores_a_phrasing(
    seeded: dict[str, int],
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "editor")
    qid = seeded[PIMPLE]
    code, out, _ = run(capsys, "review", "attach", str(qid), "does-it-go-away")
    assert code == 0 and "attached the group of question" in out
    assert "does-it-go-away" in out and "within a minute" in out
    assert all(review_status(db, q)[1] == "does-it-go-away" for q in range(qid - 2, qid + 1))

    code, out, _ = run(capsys, "review", "phrasings")
    assert code == 0
    snippet = yaml.safe_load(out)
    assert snippet == [{"id": "does-it-go-away", "phrasings": {"id": [PIMPLE]}}]
    assert "# faq/data/tree/" in out and "cli:editor" in out

    code, _, err = run(capsys, "review", "attach", str(qid), "what-is-milia")
    assert code == 1 and "is attached to does-it-go-away" in err
    code, _, err = run(capsys, "review", "ignore", str(qid))
    assert code == 1 and "is attached to" in err


def test_attach_rejects_an_entry_that_is_not_in_the_tree(
    seeded: dict[str, int], db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "review", "attach", str(seeded[PIMPLE]), "no-such-entry")
    assert code == 1 and "no entry 'no-such-entry' in the FAQ tree" in err
    assert review_status(db, seeded[PIMPLE]) == ("new", None)


def test_ignore_and_resolve_change_the_whole_group(
    seeded: dict[str, int], db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "review", "ignore", str(seeded[CONTAGIOUS]))
    assert (code, out.strip()) == (
        0,
        f"ignored 2 question(s): the group of question {seeded[CONTAGIOUS]}",
    )
    assert review_status(db, seeded[CONTAGIOUS] - 1)[0] == "ignored"
    code, out, _ = run(capsys, "review", "ignore", str(seeded[CONTAGIOUS]))
    assert code == 0 and "already ignored" in out
    code, out, _ = run(capsys, "review", "resolve", str(seeded[CONTAGIOUS]))  # changed my mind
    assert code == 0 and out.startswith("resolved 2 question(s)")
    code, out, _ = run(capsys, "review", "list", "--status", "resolved")
    assert CONTAGIOUS in out
    code, out, _ = run(capsys, "review", "phrasings", "--entry", "what-is-milia")
    assert code == 0 and out.strip() == "# no attached phrasings"


# -- export, stats, purge, backup -----------------------------------------------------------


def test_export_csv_to_a_file_and_jsonl_to_stdout(
    seeded: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    code, _, err = run(capsys, "review", "export", "--output", str(target))
    assert code == 0 and "exported 7 row(s)" in err
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert tuple(rows[0]) == COLUMNS
    assert [r["kind"] for r in rows].count("question") == 6  # the 100-day-old one is out

    code, out, _ = run(capsys, "review", "export", "--format", "jsonl", "--days", "365")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 8
    assert {r["text"] for r in records if r["kind"] == "question"} >= {PIMPLE, "old question"}

    with pytest.raises(SystemExit) as exc:
        main(["review", "export", "--days", "0"])
    assert exc.value.code == 2


def test_stats_prints_a_table(seeded: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "review", "stats", "--days", "7")
    assert code == 0
    assert out.startswith("Last 7 day(s): ")
    asked = next(line for line in out.splitlines() if line.startswith("asked"))
    assert asked.split() == ["asked", "4", "4"]  # all, en
    answered = next(line for line in out.splitlines() if line.startswith("answered"))
    assert answered.split() == ["answered", "50.0%", "50.0%"]
    assert "2  what-is-milia" in out
    assert "1 / 0" in out and "100.0%" in out  # feedback on what-is-milia


def test_stats_plot_writes_the_chart(
    seeded: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "stats.png"
    code, out, err = run(capsys, "review", "stats", "--days", "7", "--plot", str(target))
    assert code == 0
    assert out.startswith("Last 7 day(s): ")  # the table is still printed
    png = target.read_bytes()
    assert f"chart written to {target} ({len(png):,} bytes)" in err
    assert png_size(png)[0] == 1000
    pixels = decode(png)
    colours = dict(OUTCOMES)
    for status in ("answered", "suggest", "unanswered"):  # the seed's outcomes
        assert has_colour(pixels, colours[status]), status

    code, _, err = run(capsys, "review", "stats", "--plot", str(tmp_path / "no" / "dir.png"))
    assert code == 1 and "cannot write" in err and "dir.png" in err


def test_purge_deletes_old_records(
    seeded: dict[str, int],
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, _ = run(capsys, "review", "purge")  # default retention: 180 days
    assert code == 0 and out.startswith("deleted 0 record(s) older than 180 day(s)")
    monkeypatch.setenv("SKINFAQ_RETENTION_DAYS", "90")
    code, out, _ = run(capsys, "review", "purge")
    assert code == 0 and out.startswith("deleted 1 record(s) older than 90 day(s)")
    code, out, _ = run(capsys, "review", "purge", "--days", "1")
    assert code == 0 and out.startswith("deleted 0 record(s)")


def test_backup_makes_a_readable_copy(
    seeded: dict[str, int], db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "backups" / "copy.sqlite3"
    code, out, _ = run(capsys, "backup", str(target))
    assert code == 0
    assert out.startswith(f"{target}  {target.stat().st_size:,} bytes  (quick_check: ok)")
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 7
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    code, out, _ = run(capsys, "backup", str(tmp_path / "backups"))  # a directory
    assert code == 0 and "backups/skinfaq-" in out
    code, _, err = run(capsys, "backup", str(db))
    assert code == 1 and "live database" in err


def test_missing_database_and_bad_settings(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "review", "list")
    assert code == 1 and f"no database at {db}" in err
    assert not db.exists()  # not created by accident
    code, _, err = run(capsys, "backup", str(tmp_path / "b.sqlite3"))
    assert code == 1 and "no database" in err
    monkeypatch.setenv("SKINFAQ_RETENTION_DAYS", "soon")
    code, _, err = run(capsys, "review", "list")
    assert code == 2 and "SKINFAQ_RETENTION_DAYS" in err
