"""A question the bot could not answer survives the process being killed after it replied.

The bot runs as a real subprocess (``python -m bot``) against the fake Bot API; it is
killed with SIGKILL, which no handler can intercept, right after the reply goes out.
"""

from __future__ import annotations

import signal
from pathlib import Path

from bot.storage import Store
from tests.conftest import HASH_KEY, bot_process_env, bot_subprocess
from tests.fakebotapi import FakeBotAPI


async def test_question_logged_before_the_reply_survives_sigkill(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    env = bot_process_env(api, database, "WARNING")
    async with bot_subprocess(env, tmp_path) as bot:
        await api.wait_for("getUpdates", answered=False, timeout=30)
        api.text_message("is milia contagious? my husband has them too", user_id=77)
        [reply] = await api.wait_for_messages(chat_id=77, timeout=15)
        await bot.stop(signal.SIGKILL, timeout=15)  # no shutdown hook runs: nothing flushed
    assert bot.returncode == -signal.SIGKILL
    assert "contagious" not in reply["text"]  # the honest "no answer yet"

    store = await Store.open(database, user_hash_key=HASH_KEY.encode())
    try:
        groups = await store.list_groups()
    finally:
        await store.close()
    assert [g.count for g in groups] == [1]
    assert "contagious" in groups[0].example
