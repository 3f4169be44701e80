"""``skinfaq review ...`` and ``skinfaq backup``: the editors' review loop in a terminal.

Works on the bot's own database and settings (``Settings.from_env``: SKINFAQ_DATABASE...),
so editors can review without Telegram. A question id selects its whole group: the
questions sharing its group key and its review status. Exit codes: 0 done, 1 bad id or
missing database, 2 bad usage or settings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import shutil
import sqlite3
import sys
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.charts import stats_chart
from bot.export import write_csv, write_jsonl
from bot.settings import Settings
from bot.storage import ExportRow, OutcomeCounts, QuestionRecord, ReviewStatus, Stats, Store
from faq.engine import FaqEngine
from faq.sources import DataError

REVIEW_STATUSES: tuple[ReviewStatus, ...] = ("new", "attached", "ignored", "resolved")
MAX_DAYS = 36_500

Command = Callable[[argparse.Namespace, Store], Awaitable[int]]


class CliError(Exception):
    """A problem the user can fix (unknown id, missing database); printed, exit 1."""


def _fail(message: str) -> CliError:
    return CliError(message)


def _clean(text: str, width: int | None = None) -> str:
    """Text from Telegram users made safe for a terminal: one line, no control characters.

    A raw ESC in a logged question could otherwise drive the editor's terminal.
    """
    out = "".join(
        " " if ch in "\t\n\r" else f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" else ch
        for ch in text
    )
    if width is not None and len(out) > width:
        out = out[: max(width - 1, 1)] + "…"
    return out


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _reviewer() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name, e.g. a container with an unnamed uid
        user = "unknown"
    return f"cli:{user}"


def _engine() -> FaqEngine:
    try:
        return FaqEngine.load()
    except DataError as exc:
        raise _fail(f"the FAQ data is invalid: {exc} (run 'skinfaq check')") from exc


def _title(engine: FaqEngine, entry_id: str | None, lang: str = "en") -> str:
    entry = engine.tree.entries.get(entry_id or "")
    return entry.question[lang] if entry else "(not in the tree)"


def _days(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number of days") from None
    if not 1 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"days must be between 1 and {MAX_DAYS}")
    return value


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


# -- review commands -------------------------------------------------------------------------


async def review_list(args: argparse.Namespace, store: Store) -> int:
    """Print one page of question groups as a table, most frequent first."""
    status: ReviewStatus = args.status
    total = await store.count_groups(status)
    pages = max(1, -(-total // args.limit))
    groups = await store.list_groups(
        status=status, limit=args.limit, offset=(args.page - 1) * args.limit, ids_limit=1
    )
    print(f"Question groups with status {status!r}: {total}, page {args.page} of {pages}")
    if not groups:
        print("Nothing to show." if total == 0 else "No such page.")
        return 0
    width = max(shutil.get_terminal_size((120, 24)).columns - 48, 30)
    print(f"\n{'ID':>8}  {'COUNT':>5}  {'USERS':>5}  LANG  {'LAST SEEN (UTC)':<16}  EXAMPLE")
    for g in groups:
        qid = g.question_ids[0] if g.question_ids else 0
        print(
            f"{qid:>8}  {g.count:>5}  {g.users:>5}  {g.lang:<4}  {_when(g.last_asked):<16}  "
            f"{_clean(g.example, width)}"
        )
    print("\nID is the newest question of the group: skinfaq review show|attach|ignore|resolve ID")
    return 0


async def _question(store: Store, qid: int) -> QuestionRecord:
    record = await store.get_question(qid)
    if record is None:
        raise _fail(f"no question with id {qid} (see 'skinfaq review list')")
    return record


async def review_show(args: argparse.Namespace, store: Store) -> int:
    """Print one question, its stored candidate entries and how the bot answers it now."""
    q = await _question(store, args.id)
    engine = _engine()
    for phrasing in await store.list_phrasings():
        if phrasing.entry_id in engine.tree.entries:
            engine.add_phrasing(phrasing.entry_id, phrasing.lang, phrasing.text)
    rows = [
        ("question", str(q.id)),
        ("asked", f"{_when(q.created_at)} UTC"),
        ("language", q.lang),
        ("chat", q.chat_type),
        ("outcome", q.status),
        ("review", q.review_status),
    ]
    if q.reviewed_at is not None:
        rows.append(("reviewed", f"{_when(q.reviewed_at)} UTC by {_clean(q.reviewed_by or '?')}"))
    if q.attached_entry_id:
        rows.append(("attached", f"{q.attached_entry_id}  {_title(engine, q.attached_entry_id)}"))
    rows += [("text", _clean(q.text)), ("group key", _clean(q.group_key))]
    for label, value in rows:
        print(f"{label + ':':<11}{value}")
    print("\nCandidate entries when asked (score, entry, question):")
    for c in q.candidates:
        print(f"  {c.score:.3f}  {c.entry_id:<28}  {_title(engine, c.entry_id, q.lang)}")
    if not q.candidates:
        print("  (none)")
    now = engine.ask(q.text, lang=q.lang)
    best = f" {now.entry_id}" if now.entry_id else ""
    print(f"\nThe bot now answers: {now.status}{best} (with the attached phrasings)")
    return 0


async def _reviewable(store: Store, qid: int, target: ReviewStatus) -> QuestionRecord | None:
    """The question if its group can move to ``target``; None if it is there already."""
    q = await _question(store, qid)
    if q.review_status == target and target != "attached":
        print(f"question {qid} is already {target}")
        return None
    if q.review_status == "attached":
        # Its wording is a phrasing the matcher uses; moving it silently would hide that.
        raise _fail(
            f"question {qid} is attached to {q.attached_entry_id}; its phrasing stays in use "
            "(see 'skinfaq review phrasings')"
        )
    return q


async def review_attach(args: argparse.Namespace, store: Store) -> int:
    """Attach a question's group to an entry and save its wording as a phrasing."""
    engine = _engine()
    if args.entry_id not in engine.tree.entries:
        raise _fail(f"no entry {args.entry_id!r} in the FAQ tree (see 'skinfaq tree')")
    q = await _reviewable(store, args.id, "attached")
    if q is None:
        return 0
    phrasing = await store.attach_group(
        q.group_key, entry_id=args.entry_id, reviewer=_reviewer(), from_status=q.review_status
    )
    print(
        f"attached the group of question {q.id} to {args.entry_id} "
        f"({_title(engine, args.entry_id)})\n"
        f"phrasing {phrasing.id} [{phrasing.lang}]: {_clean(phrasing.text)}\n"
        "A running bot uses it within a minute; 'skinfaq review phrasings' prints it for the "
        "tree files."
    )
    return 0


async def _set_status(args: argparse.Namespace, store: Store, target: ReviewStatus) -> int:
    q = await _reviewable(store, args.id, target)
    if q is None:
        return 0
    if target == "ignored":
        n = await store.ignore_group(q.group_key, reviewer=_reviewer(), from_status=q.review_status)
    else:
        n = await store.resolve_group(
            q.group_key, reviewer=_reviewer(), from_status=q.review_status
        )
    print(f"{target} {n} question(s): the group of question {q.id}")
    return 0


async def review_ignore(args: argparse.Namespace, store: Store) -> int:
    """Mark a question's group as not FAQ material."""
    return await _set_status(args, store, "ignored")


async def review_resolve(args: argparse.Namespace, store: Store) -> int:
    """Mark a question's group as handled some other way."""
    return await _set_status(args, store, "resolved")


def _yaml_str(text: str) -> str:
    # A double-quoted YAML scalar: escapes quotes, backslashes and control characters.
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(f"\\x{ord(c):02x}" if ord(c) < 32 else c for c in out) + '"'


async def review_phrasings(args: argparse.Namespace, store: Store) -> int:
    """Print attached phrasings as YAML snippets to paste into the tree files."""
    phrasings = await store.list_phrasings(args.entry, lang=args.lang)
    if not phrasings:
        print("# no attached phrasings")
        return 0
    engine = _engine()
    print(
        f"# {len(phrasings)} phrasing(s) attached in review. Paste each list under the entry's\n"
        "# 'phrasings:' in the file named above it, then run 'skinfaq check'."
    )
    by_entry: dict[str, dict[str, list[str]]] = {}
    for p in phrasings:
        note = f"  # phrasing {p.id}, {p.created_at:%Y-%m-%d}, {_clean(p.created_by)}"
        by_entry.setdefault(p.entry_id, {}).setdefault(p.lang, []).append(_yaml_str(p.text) + note)
    for entry_id, langs in by_entry.items():
        entry = engine.tree.entries.get(entry_id)
        where = f"faq/data/tree/{entry.topic_id}.yaml" if entry else "not in the tree any more"
        print(f"\n# {where}\n  - id: {entry_id}\n    phrasings:")
        for lang, lines in sorted(langs.items()):
            print(f"      {lang}:")
            for line in lines:
                print(f"        - {line}")
    return 0


def _write_export(rows: list[ExportRow], fmt: str, output: str) -> int:
    writer = write_csv if fmt == "csv" else write_jsonl
    if output == "-":
        count = writer(rows, sys.stdout)
        sys.stdout.flush()
        return count
    try:
        with open(output, "w", encoding="utf-8", newline="") as fp:
            return writer(rows, fp)
    except OSError as exc:
        raise _fail(f"cannot write {output}: {exc.strerror or exc}") from exc


async def review_export(args: argparse.Namespace, store: Store) -> int:
    """Write questions, feedback and picks of the last days as CSV or JSON Lines."""
    since = datetime.now(UTC) - timedelta(days=args.days)
    rows = [row async for row in store.export_rows(since=since)]
    count = _write_export(rows, args.format, args.output)
    print(f"exported {count} row(s) since {_when(since)} UTC to {args.output}", file=sys.stderr)
    return 0


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def print_stats(stats: Stats, engine: FaqEngine, days: int, out: TextIO) -> None:
    """The statistics as plain-text tables."""
    since, until = _when(stats.since), _when(stats.until)
    out.write(f"Last {days} day(s): {since} to {until} UTC\n\n")
    columns: list[tuple[str, OutcomeCounts]] = [("all", stats.totals), *stats.by_lang.items()]
    out.write(f"{'':<12}" + "".join(f"{name:>10}" for name, _ in columns) + "\n")
    out.write(f"{'asked':<12}" + "".join(f"{c.total:>10,}" for _, c in columns) + "\n")
    for label, attr in (
        ("answered", "answered"),
        ("suggested", "suggest"),
        ("unanswered", "unanswered"),
        ("small talk", "smalltalk"),
    ):
        cells = "".join(f"{_pct(getattr(c, attr), c.total):>10}" for _, c in columns)
        out.write(f"{label:<12}{cells}\n")
    sections: list[tuple[str, list[str]]] = [
        ("Top answered entries", [
            f"{e.count:>7,}  {e.entry_id:<28}  {_title(engine, e.entry_id)}"
            for e in stats.top_answered
        ]),
        ("Top unanswered groups", [
            f"{g.count:>7,}  [{g.lang}] {_clean(g.example, 70)}" for g in stats.top_unanswered
        ]),
        ("Feedback (helpful / not helpful)", [
            f"{f.helpful:>5,} / {f.not_helpful:<5,} {_pct(f.helpful, f.helpful + f.not_helpful):>6}"
            f"  {f.entry_id:<28}  {_title(engine, f.entry_id)}"
            for f in stats.feedback
        ]),
        ("Picked from suggestions", [
            f"{e.count:>7,}  {e.entry_id:<28}  {_title(engine, e.entry_id)}" for e in stats.picks
        ]),
    ]  # fmt: skip
    for heading, lines in sections:
        out.write(f"\n{heading}:\n")
        out.write("\n".join(lines or ["  (none)"]) + "\n")


async def review_stats(args: argparse.Namespace, store: Store) -> int:
    """Print answered, suggested and unanswered shares, top entries and feedback; with
    ``--plot``, also draw the chart /stats sends."""
    since = datetime.now(UTC) - timedelta(days=args.days)
    stats = await store.stats(since=since)
    print_stats(stats, _engine(), args.days, sys.stdout)
    if args.plot is not None:
        daily = await store.daily_outcomes(since=since, until=stats.until)
        first, last = stats.outcomes_since.date(), stats.until.date()
        title = f"Last {args.days} day(s): {first:%Y-%m-%d} to {last:%Y-%m-%d} (UTC)"
        # Drawn here, not in a child process as the bot does: this process ends anyway.
        png = await asyncio.to_thread(stats_chart, daily, first=first, last=last, title=title)
        try:
            args.plot.write_bytes(png)
        except OSError as exc:
            raise _fail(f"cannot write {args.plot}: {exc.strerror or exc}") from exc
        print(f"chart written to {args.plot} ({len(png):,} bytes)", file=sys.stderr)
    return 0


async def review_purge(args: argparse.Namespace, store: Store) -> int:
    """Delete questions, feedback and picks older than the retention period."""
    settings: Settings = args.settings
    days = args.days or settings.retention_days
    cutoff = datetime.now(UTC) - timedelta(days=days)
    deleted = await store.purge_older_than(days)
    print(f"deleted {deleted} record(s) older than {days} day(s) (before {_when(cutoff)} UTC)")
    return 0


def _backup_target(path: Path, live: Path) -> Path:
    """A file path for the copy: ``path``, or a dated file inside it if it is a directory."""
    if path.is_dir():
        path = path / f"skinfaq-{datetime.now(UTC):%Y%m%d-%H%M%S}.sqlite3"
    if path.resolve() == live.resolve():
        raise _fail("the backup path is the live database itself")
    return path


async def backup(args: argparse.Namespace, store: Store) -> int:
    """Copy the live database consistently (SQLite online backup) and check the copy."""
    dest = _backup_target(args.path, store.path)
    try:
        copy = await store.backup(dest)
    except OSError as exc:
        raise _fail(f"cannot write {dest}: {exc.strerror or exc}") from exc
    with contextlib.closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as check:
        verdict = check.execute("PRAGMA quick_check").fetchone()[0]
    size = copy.stat().st_size
    print(f"{copy}  {size:,} bytes  (quick_check: {verdict})")
    settings: Settings = args.settings
    if not settings.user_hash_key_value:
        print(f"Keep {settings.database}.key with it: user records are keyed by it.")
    return 0 if verdict == "ok" else 1


# -- plumbing --------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    """Open the configured database, run ``args.command_func`` and close it again."""
    prog = " ".join(("skinfaq", args.command, getattr(args, "action", None) or "")).strip()
    settings = args.settings = Settings.from_env()  # bot.cli.main reports a SettingsError
    if not settings.database.exists():
        # Opening would create an empty database and hide a wrong SKINFAQ_DATABASE.
        print(f"{prog}: no database at {settings.database} (set SKINFAQ_DATABASE)", file=sys.stderr)
        return 1
    command: Command = args.command_func

    async def main() -> int:
        store = await Store.open(settings.database, user_hash_key=settings.user_hash_key())
        try:
            return await command(args, store)
        finally:
            await store.close()

    try:
        return asyncio.run(main())
    except CliError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:
        print(f"{prog}: database error: {exc}", file=sys.stderr)
        return 1


def add_review_parser(sub: Any) -> None:
    """Register ``skinfaq review ...`` and ``skinfaq backup``."""
    review = sub.add_parser("review", help="review unanswered questions, stats, export, purge")
    actions = review.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, func: Command, help: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help)
        p.set_defaults(func=_run, command_func=func)
        return p

    p = action("list", review_list, "question groups, most frequent first")
    p.add_argument("--status", choices=REVIEW_STATUSES, default="new")
    p.add_argument("--limit", type=_positive, default=20, metavar="N", help="groups per page")
    p.add_argument("--page", type=_positive, default=1, metavar="N")
    p = action("show", review_show, "one question with its candidate entries")
    p.add_argument("id", type=_positive, metavar="ID")
    p = action("attach", review_attach, "attach a question's group to an FAQ entry")
    p.add_argument("id", type=_positive, metavar="ID")
    p.add_argument("entry_id", metavar="ENTRY_ID")
    p = action("ignore", review_ignore, "mark a question's group as not FAQ material")
    p.add_argument("id", type=_positive, metavar="ID")
    p = action("resolve", review_resolve, "mark a question's group as handled")
    p.add_argument("id", type=_positive, metavar="ID")
    p = action("phrasings", review_phrasings, "attached phrasings as YAML for the tree files")
    p.add_argument("--entry", metavar="ENTRY_ID")
    p.add_argument("--lang", choices=("id", "en"))
    p = action("export", review_export, "questions, feedback and picks as CSV or JSON Lines")
    p.add_argument("--days", type=_days, default=30, metavar="N")
    p.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    p.add_argument("--output", default="-", metavar="FILE", help="a file, or - for stdout")
    p = action("stats", review_stats, "answer rates, top entries and feedback")
    p.add_argument("--days", type=_days, default=30, metavar="N")
    p.add_argument(
        "--plot", type=Path, metavar="FILE.png", help="also write the /stats chart as a PNG"
    )
    p = action("purge", review_purge, "delete records older than the retention period")
    p.add_argument("--days", type=_days, metavar="N", help="default SKINFAQ_RETENTION_DAYS")

    p = sub.add_parser("backup", help="copy the database safely while the bot runs")
    p.add_argument("path", type=Path, metavar="PATH", help="a file, or a directory")
    p.set_defaults(func=_run, command_func=backup)
