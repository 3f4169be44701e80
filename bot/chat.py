"""``skinfaq chat``: the bot in a terminal, over the same engine and database.

With no Telegram token this is the main job: people (and editors) can ask
questions offline, browse the topics as numbered choices, and what the bot
cannot answer goes to the same review queue as the bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TextIO

from bot.recording import count_outcome, log_for_review
from faq.answer import Result
from faq.engine import FaqEngine

if TYPE_CHECKING:
    from bot.storage import Store

# The terminal user has no Telegram id; one fixed id keeps their records deletable.
LOCAL_USER_ID = 0

_HELP = {
    "en": (
        "Type a question about milia, a number to choose from the list, "
        "'menu' for the topics, 'lang id' or 'lang en' to switch language, 'quit' to leave."
    ),
    "id": (
        "Ketik pertanyaan seputar milia, angka untuk memilih dari daftar, "
        "'menu' untuk daftar topik, 'lang id' atau 'lang en' untuk ganti bahasa, "
        "'quit' untuk keluar."
    ),
}
_TOPICS = {"en": "Topics:", "id": "Topik:"}
_BYE = {"en": "Take care!", "id": "Sampai jumpa!"}


class TerminalChat:
    """One terminal conversation: a numbered menu plus free questions."""

    def __init__(
        self,
        engine: FaqEngine,
        *,
        lang: str,
        out: TextIO,
        log: Callable[[str, Result], Awaitable[None]] | None = None,
    ) -> None:
        self.engine, self.lang, self.out, self._log = engine, lang, out, log
        self.fixed_lang = False
        self.choices: list[tuple[str, str]] = []  # ("topic" | "entry", id)

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show_topics(self) -> None:
        """Number the topics as the next choices."""
        self.choices = [("topic", t.id) for t in self.engine.tree.topics]
        lines = [_TOPICS[self.lang]]
        lines += [f"  {i}. {t.title[self.lang]}" for i, t in enumerate(self.engine.tree.topics, 1)]
        self.say("\n".join(lines))

    def show_entries(self, topic_id: str) -> None:
        """Number the questions of one topic as the next choices."""
        entries = list(self.engine.tree.entries_of(topic_id))
        self.choices = [("entry", e.id) for e in entries]
        lines = [f"  {i}. {e.question[self.lang]}" for i, e in enumerate(entries, 1)]
        self.say("\n".join([*lines, "  0. " + ("Back" if self.lang == "en" else "Kembali")]))

    def show_result(self, result: Result) -> None:
        self.say(result.text)
        if result.status == "suggest":
            self.choices = [("entry", s.entry_id) for s in result.suggestions]
        elif result.status == "answered" and result.related:
            self.choices = [("entry", r.entry_id) for r in result.related]
            more = "More:" if self.lang == "en" else "Lainnya:"
            self.say(
                more
                + "\n"
                + "\n".join(f"  {i}. {r.question}" for i, r in enumerate(result.related, 1))
            )

    async def handle(self, line: str) -> bool:
        """Handle one line; False when the user wants to leave."""
        text = line.strip()
        command = text.lower()
        if command in {"quit", "exit", "keluar", "q"}:
            self.say(_BYE[self.lang])
            return False
        if not text:
            return True
        if command in {"menu", "topics", "topik", "help", "bantuan", "?"}:
            if command in {"help", "bantuan", "?"}:
                self.say(_HELP[self.lang])
            self.show_topics()
        elif command in {"lang id", "lang en"}:
            self.lang, self.fixed_lang = command[-2:], True
            self.say(_HELP[self.lang])
        elif command == "0" and self.choices and self.choices[0][0] == "entry":
            self.show_topics()
        elif command.isdigit() and 1 <= int(command) <= len(self.choices):
            kind, ident = self.choices[int(command) - 1]
            if kind == "topic":
                self.show_entries(ident)
            else:
                self.show_result(self.engine.answer_entry(ident, self.lang))
        else:
            result = self.engine.ask(
                text, lang=self.lang if self.fixed_lang else None, default_lang=self.lang
            )
            if self._log is not None:
                await self._log(text, result)
            self.show_result(result)
        return True


async def run_chat(
    engine: FaqEngine, *, lang: str, src: TextIO, out: TextIO, store: Store | None
) -> None:
    """Read lines until end of input or 'quit'."""

    async def log(text: str, result: Result) -> None:
        if store is not None:
            await log_for_review(
                store,
                engine,
                user_id=LOCAL_USER_ID,
                text=text,
                result=result,
                chat_type="terminal",
            )
            await count_outcome(store, result, chat_type="terminal")

    chat = TerminalChat(engine, lang=lang, out=out, log=log)
    chat.say(_HELP[lang])
    chat.show_topics()
    while True:
        if src.isatty():
            out.write("> ")
            out.flush()
        line = await asyncio.to_thread(src.readline)
        if not line or not await chat.handle(line):
            break


def cmd_chat(args: argparse.Namespace) -> int:
    """Run the terminal chat over the configured database."""
    from bot.phrasings import AttachedPhrasings
    from bot.settings import Settings
    from bot.storage import Store

    settings = Settings.from_env()
    engine = settings.load_engine()

    async def main() -> None:
        store = await Store.open(settings.database, user_hash_key=settings.user_hash_key())
        try:
            # Read once: a terminal session is short, and runs none of the bot's jobs.
            await AttachedPhrasings(engine, store).sync()
            await run_chat(
                engine,
                lang=args.lang or settings.default_lang,
                src=sys.stdin,
                out=sys.stdout,
                store=store,
            )
        finally:
            await store.close()

    asyncio.run(main())
    return 0


def add_chat_parser(sub: Any) -> None:
    """Register ``skinfaq chat``."""
    p = sub.add_parser("chat", help="chat with the bot in this terminal (no token needed)")
    p.add_argument("--lang", choices=("id", "en"), help="start in this language")
    p.set_defaults(func=cmd_chat)
