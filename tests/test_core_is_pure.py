"""The core never imports the Telegram adapter or python-telegram-bot."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).parent.parent / "faq"


def test_no_telegram_import_under_faq() -> None:
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in {"telegram", "bot"}
            ]
    assert offenders == []
