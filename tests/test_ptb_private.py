"""Guards of ``bot/ptb_private.py``, the one module that uses python-telegram-bot's private
API, and a check that no other module does.

When one of these fails after a PTB upgrade, a private name the bot relies on has changed
or gone: adapt ``bot/ptb_private.py`` (or drop what PTB now does itself), not this test.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path

import telegram
import telegram.error
import telegram.ext
import telegram.request
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from bot.ptb_private import LeanApplication
from tests.conftest import TOKEN, BotHarness
from tests.fakebotapi import FakeBotAPI

BOT = Path(__file__).resolve().parent.parent / "bot"
PRIVATE_MODULE = BOT / "ptb_private.py"


# -- what bot/ptb_private.py relies on ------------------------------------------------------


def test_mark_for_persistence_update_keeps_its_name_and_signature() -> None:
    method = getattr(Application, "_mark_for_persistence_update", None)
    assert callable(method), "PTB no longer has Application._mark_for_persistence_update"
    params = inspect.signature(method).parameters
    assert list(params) == ["self", "update", "job"]
    assert all(params[name].kind is inspect.Parameter.KEYWORD_ONLY for name in ("update", "job"))
    assert LeanApplication._mark_for_persistence_update is not method  # still overridden


async def test_stock_ptb_still_keeps_every_id_that_the_bot_does_not(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    # If stock PTB stops keeping the ids without a persistence, the override can go.
    stock = ApplicationBuilder().token(TOKEN).base_url(api.base_url).build()

    async def ignore(update: object, context: object) -> None:
        return None

    stock.add_handler(TypeHandler(Update, ignore))  # PTB notes updates some handler took
    async with stock:
        update = api.text_message("what is milia?", user_id=77, push=False)
        await stock.process_update(Update.de_json(update, stock.bot))
        assert stock._user_ids_to_be_updated_in_persistence == {77}
        assert stock._chat_ids_to_be_updated_in_persistence == {77}

    for user in range(600, 650):
        await bot.text("what is milia?", user_id=user)
    assert bot.app._user_ids_to_be_updated_in_persistence == set()
    assert bot.app._chat_ids_to_be_updated_in_persistence == set()
    assert len(bot.api.sent_messages()) == 50


# -- nowhere else ---------------------------------------------------------------------------


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _ptb_classes() -> Iterator[type]:
    for module in (telegram, telegram.ext, telegram.request, telegram.error):
        for value in vars(module).values():
            if isinstance(value, type):
                yield from value.__mro__


def _defined_by_ptb(cls: type) -> set[str]:
    """The private names (methods, attributes, slots) PTB classes in ``cls``'s MRO define."""
    names: set[str] = set()
    for base in cls.__mro__:
        if base.__module__.split(".")[0] == "telegram":
            slots = getattr(base, "__slots__", ())
            names |= {n for n in [*vars(base), *([slots] if isinstance(slots, str) else slots)]}
    return {n for n in names if _private(n)}


PTB_PRIVATE = set().union(*(_defined_by_ptb(cls) for cls in set(_ptb_classes())))


def _private_uses(path: Path) -> list[str]:
    """Where the module at ``path`` uses a private module or name of PTB."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        for name in modules:
            parts = name.split(".")
            if parts[0] == "telegram" and any(_private(part) for part in parts):
                found.append(f"line {node.lineno}: import {name}")
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            on_self = isinstance(owner, ast.Name) and owner.id in {"self", "cls"}
            if not on_self and node.attr in PTB_PRIVATE:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    # Inside subclasses of PTB classes: private names of their PTB bases.
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    if not classes:
        return found  # and bot/__main__.py, which runs the bot, is not imported
    module = importlib.import_module(".".join(path.relative_to(BOT.parent).with_suffix("").parts))
    for node in classes:
        cls = getattr(module, node.name, None)
        if not isinstance(cls, type):
            continue
        inherited = _defined_by_ptb(cls)
        for inner in ast.walk(node):
            name = None
            if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name):
                name = inner.attr if inner.value.id in {"self", "cls"} else None
            elif isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef):
                name = inner.name
            if name is not None and name in inherited:
                found.append(f"line {inner.lineno}: {cls.__name__}.{name}")
    return found


def test_no_module_but_ptb_private_uses_private_ptb_api() -> None:
    offenders = {
        str(path.relative_to(BOT.parent)): uses
        for path in sorted(BOT.rglob("*.py"))
        if path != PRIVATE_MODULE and (uses := _private_uses(path))
    }
    assert offenders == {}


def test_the_check_finds_what_ptb_private_does() -> None:
    # The check must see the override, or the test above proves nothing.
    assert _private_uses(PRIVATE_MODULE) == [
        "line 30: super()._mark_for_persistence_update",
        "line 26: LeanApplication._mark_for_persistence_update",
    ]
