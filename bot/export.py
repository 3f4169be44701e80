"""Writers for :meth:`bot.storage.Store.export_rows`: CSV for spreadsheets and JSON Lines.

Collect the rows first (``[r async for r in store.export_rows(since=...)]``), then write.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import fields
from typing import Any, TextIO

from bot.storage import Candidate, ExportRow

__all__ = ["COLUMNS", "write_csv", "write_jsonl"]

COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ExportRow))

# Spreadsheets execute a cell that starts with one of these as a formula; question text
# comes from anyone on Telegram, so "=HYPERLINK(...)" must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _candidates_text(candidates: tuple[Candidate, ...]) -> str:
    return " ".join(f"{c.entry_id}:{c.score:g}" for c in candidates)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        text = _candidates_text(value)
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(rows: Iterable[ExportRow], fp: TextIO) -> int:
    """Write a header and one line per row; return the number of rows.

    ``fp`` must be opened with ``newline=""``. A UTF-8 byte order mark is written first so
    Excel detects UTF-8 (Indonesian text, emoji) instead of guessing a legacy code page.
    """
    fp.write("\ufeff")
    writer = csv.writer(fp)
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name in COLUMNS])
        count += 1
    return count


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [{"entry_id": c.entry_id, "score": c.score} for c in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def write_jsonl(rows: Iterable[ExportRow], fp: TextIO) -> int:
    """Write one JSON object per line (UTF-8, not ASCII-escaped); return the number of rows."""
    count = 0
    for row in rows:
        record = {name: _json_value(getattr(row, name)) for name in COLUMNS}
        fp.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
