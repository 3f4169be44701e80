"""Tests of the fake Bot API server, driven by python-telegram-bot's real HTTP client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from tests.fakebotapi import FakeBotAPI, parse_html
from tests.fakebotapi_updates import DEFAULT_GROUP_ID, DEFAULT_USER_ID

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token"
CHAT = 4242


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(d[:10] or "x", callback_data=d)] for d in data]
    )


def described(description: str) -> str:
    """A ``match`` pattern for a Bot API error description (PTB drops "Bad Request: " and
    capitalizes what is left)."""
    return "(?i)" + re.escape(description)


def seconds(period: int | float | dtm.timedelta) -> float:
    return period.total_seconds() if isinstance(period, dtm.timedelta) else float(period)


# -- basic methods -----------------------------------------------------------------------


async def test_get_me_returns_the_configured_bot_and_records_the_token(api: FakeBotAPI) -> None:
    async with Bot(TOKEN, base_url=api.base_url) as client:  # initialize() calls getMe
        me = await client.get_me()
    assert me.is_bot and me.username == api.bot["username"] and me.id == api.bot["id"]
    assert me.can_join_groups is True
    assert [call.token for call in api.calls("getMe")] == [TOKEN, TOKEN]


async def test_send_message_returns_a_full_message(api: FakeBotAPI, bot: Bot) -> None:
    first = await bot.send_message(CHAT, "hello", reply_markup=keyboard("faq:1"))
    second = await bot.send_message(CHAT, "again")
    other_chat = await bot.send_message(CHAT + 1, "elsewhere")

    assert (first.message_id, second.message_id, other_chat.message_id) == (1, 2, 1)
    assert first.chat.id == CHAT and first.chat.type == "private"
    assert first.from_user is not None and first.from_user.id == api.bot["id"]
    assert first.text == "hello" and first.date is not None
    assert first.reply_markup == keyboard("faq:1")
    assert second.reply_markup is None
    assert [m["text"] for m in api.sent_messages(CHAT)] == ["hello", "again"]
    [call] = api.calls("sendmessage")[:1]  # method names are case-insensitive
    assert call.params["chat_id"] == CHAT
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "faq:1"


async def test_messages_go_to_forum_topics_only(api: FakeBotAPI, bot: Bot) -> None:
    asked = api.text_message("hi", chat_type="supergroup", message_thread_id=7)["message"]
    forum = asked["chat"]["id"]
    assert asked["is_topic_message"] and asked["chat"]["is_forum"]
    answer = await bot.send_message(forum, "hello", message_thread_id=7)
    assert answer.message_thread_id == 7 and answer.is_topic_message
    assert api.calls("sendMessage")[-1].params["message_thread_id"] == 7
    general = await bot.send_message(forum, "to all")
    assert general.message_thread_id is None and not general.is_topic_message

    api.text_message("hi", chat_type="group")  # a group without topics
    with pytest.raises(BadRequest, match=described("message thread not found")):
        await bot.send_message(DEFAULT_GROUP_ID, "hello", message_thread_id=7)


async def test_html_is_turned_into_entities(bot: Bot) -> None:
    message = await bot.send_message(
        CHAT,
        "<b>Milia</b> 😀 <i>x</i> &lt;3 <a href='https://a.example?q=1&amp;r=2'>src</a>",
        parse_mode="HTML",
    )
    assert message.text == "Milia 😀 x <3 src"
    kinds = [(e.type, e.offset, e.length) for e in message.entities]
    assert kinds == [("bold", 0, 5), ("italic", 9, 1), ("text_link", 14, 3)]  # UTF-16 offsets
    assert message.entities[2].url == "https://a.example?q=1&r=2"


async def test_reply_to_a_user_message(api: FakeBotAPI, bot: Bot) -> None:
    update = api.text_message("question", user_id=CHAT)
    reply = await bot.send_message(
        CHAT, "answer", reply_parameters=ReplyParameters(update["message"]["message_id"])
    )
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "question"
    assert reply.message_id == update["message"]["message_id"] + 1  # one id sequence per chat
    with pytest.raises(BadRequest, match=described("message to be replied not found")):
        await bot.send_message(CHAT, "answer", reply_parameters=ReplyParameters(999))


# -- validation ----------------------------------------------------------------------------


async def test_text_over_4096_characters_is_rejected(bot: Bot) -> None:
    await bot.send_message(CHAT, "é" * 4096)
    with pytest.raises(BadRequest, match=described("message is too long")):
        await bot.send_message(CHAT, "é" * 4097)
    with pytest.raises(BadRequest, match=described("message text is empty")):
        await bot.send_message(CHAT, "<b></b>", parse_mode="HTML")


@pytest.mark.parametrize(
    "text",
    [
        "a < b",
        "Tom & Jerry",
        "<b>unclosed",
        "closed</b>",
        "<b>crossed</i>",
        "<br>",
        "<script>alert(1)</script>",
        "&nbsp;",
        '<span class="x">no</span>',
        "<b>user said <3</b>",
    ],
)
async def test_invalid_html_is_rejected(bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match=described("can't parse entities")):
        await bot.send_message(CHAT, text, parse_mode="HTML")


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("<b>a</b><strong>b</strong><i>c</i><em>d</em><u>e</u><ins>f</ins>", "abcdef"),
        ("<s>a</s><strike>b</strike><del>c</del><code>d</code>", "abcd"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ('<tg-spoiler>a</tg-spoiler><span class="tg-spoiler">b</span>', "ab"),
        (
            "<blockquote expandable>q</blockquote> &quot;x&quot; &amp; &#128512; &#x41;",
            'q "x" & 😀 A',
        ),
        ("a > b", "a > b"),
    ],
)
def test_valid_html_parses(text: str, plain: str) -> None:
    assert parse_html(text)[0] == plain


def test_parse_html_entities() -> None:
    text, entities = parse_html('<pre><code class="language-py">x</code></pre><b>y</b>')
    assert text == "xy"
    assert entities == [
        {"type": "pre", "offset": 0, "length": 1, "language": "py"},
        {"type": "bold", "offset": 1, "length": 1},
    ]


async def test_callback_data_over_64_bytes_is_rejected(bot: Bot) -> None:
    await bot.send_message(CHAT, "ok", reply_markup=keyboard("é" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match=described("BUTTON_DATA_INVALID")):
        await bot.send_message(CHAT, "no", reply_markup=keyboard("é" * 32 + "x"))


async def test_text_only_inline_button_is_rejected(bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("just text")]])
    with pytest.raises(BadRequest, match=described("Text buttons are unallowed")):
        await bot.send_message(CHAT, "no", reply_markup=markup)


# -- editing -------------------------------------------------------------------------------


async def test_edit_message_text(api: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=described("message to edit not found")):
        await bot.edit_message_text("new", chat_id=CHAT, message_id=77)

    sent = await bot.send_message(CHAT, "old", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match=described("message is not modified")):
        await bot.edit_message_text(
            "old", chat_id=CHAT, message_id=sent.message_id, reply_markup=keyboard("a")
        )
    edited = await bot.edit_message_text(
        "<b>new</b>", chat_id=CHAT, message_id=sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, type(sent))
    assert edited.text == "new" and edited.edit_date is not None
    assert edited.reply_markup is None  # editing without reply_markup removes the keyboard
    assert [m["text"] for m in api.sent_messages(CHAT)] == ["old", "new"]
    current = api.get_message(CHAT, sent.message_id)
    assert current is not None and current["text"] == "new"

    user_message = api.text_message("mine", user_id=CHAT)["message"]
    with pytest.raises(BadRequest, match=described("message can't be edited")):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=user_message["message_id"])


async def test_edit_message_reply_markup(bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "pick", reply_markup=keyboard("a"))
    edited = await bot.edit_message_reply_markup(
        chat_id=CHAT, message_id=sent.message_id, reply_markup=keyboard("b")
    )
    assert not isinstance(edited, bool) and edited.reply_markup == keyboard("b")
    with pytest.raises(BadRequest, match=described("message is not modified")):
        await bot.edit_message_reply_markup(
            chat_id=CHAT, message_id=sent.message_id, reply_markup=keyboard("b")
        )


# -- faults ----------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:.*retry_after:DeprecationWarning")
async def test_rate_limit_raises_retry_after(api: FakeBotAPI, bot: Bot) -> None:
    api.rate_limit("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "hi")
    assert seconds(caught.value.retry_after) == 7
    await bot.send_message(CHAT, "hi")  # only once
    assert [call.status for call in api.calls("sendMessage")] == [429, 200]
    assert api.calls("sendMessage")[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


async def test_server_error_is_a_network_error(api: FakeBotAPI, bot: Bot) -> None:
    api.fail("*", times=2, status=500, description="Internal Server Error")
    with pytest.raises(NetworkError, match=described("Internal Server Error")):
        await bot.send_message(CHAT, "hi")
    with pytest.raises(TelegramError):
        await bot.get_me()
    await bot.send_message(CHAT, "hi")


async def test_other_methods_are_not_affected_by_a_fault(api: FakeBotAPI, bot: Bot) -> None:
    api.fail("sendMessage", times=None, status=403, description="Forbidden: bot was blocked")
    await bot.send_chat_action(CHAT, "typing")
    for _ in range(2):
        with pytest.raises(TelegramError, match=described("blocked")):
            await bot.send_message(CHAT, "hi")
    api.reset_faults()
    await bot.send_message(CHAT, "hi")


async def test_delay_makes_client_time_out(api: FakeBotAPI, bot: Bot) -> None:
    api.delay("sendMessage", 2.0)
    started = time.monotonic()
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "slow", read_timeout=0.2)
    assert time.monotonic() - started < 1.5
    [call] = await api.wait_for("sendMessage")  # the server saw the client hang up
    assert call.status is None
    await bot.send_message(CHAT, "fast", read_timeout=0.2)


async def test_dropped_connection_is_a_network_error(api: FakeBotAPI, bot: Bot) -> None:
    api.drop_connections("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "lost")
    assert (await bot.send_message(CHAT, "found")).text == "found"


async def test_unknown_method_and_raw_requests(api: FakeBotAPI) -> None:
    url = f"{api.base_url}{TOKEN}"
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{url}/noSuchMethod", json={}) as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        body = {"chat_id": CHAT, "text": "json", "reply_markup": {"inline_keyboard": []}}
        async with session.post(f"{url}/SENDMESSAGE", json=body) as response:
            assert (await response.json())["result"]["text"] == "json"
        form = {"chat_id": str(CHAT), "text": "123", "reply_markup": '{"inline_keyboard": []}'}
        async with session.post(f"{url}/sendMessage", data=form) as response:
            assert (await response.json())["result"]["text"] == "123"
    form_call = api.calls("sendMessage")[-1]
    assert form_call.params == {
        "chat_id": CHAT,
        "text": "123",
        "reply_markup": {"inline_keyboard": []},
    }


# -- getUpdates ------------------------------------------------------------------------------


async def test_get_updates_long_polls_and_wakes_on_push(api: FakeBotAPI, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await api.wait_for("getUpdates", answered=False)
    assert not poll.done()
    pushed_at = time.monotonic()
    update = api.text_message("hi there", user_id=CHAT)
    [received] = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - pushed_at < 0.5
    assert received.update_id == update["update_id"]
    assert received.message is not None and received.message.text == "hi there"


async def test_get_updates_timeout_returns_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 2


async def test_offset_acknowledges_and_limit(api: FakeBotAPI, bot: Bot) -> None:
    ids = [api.text_message(f"m{i}")["update_id"] for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates()] == ids  # not confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert api.pending_updates == []
    api.text_message("a")
    last = api.text_message("b")
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [last["update_id"]]


async def test_allowed_updates_filters(api: FakeBotAPI, bot: Bot) -> None:
    api.text_message("text")
    query_update = api.callback_query("faq:1", message=api.text_message("q")["message"])
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.update_id for u in updates] == [query_update["update_id"]]


async def test_concurrent_get_updates_conflict(api: FakeBotAPI, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await api.wait_for("getUpdates", answered=False)
    async with Bot(TOKEN, base_url=api.base_url) as second:
        with pytest.raises(Conflict, match=described("terminated by other getUpdates request")):
            await second.get_updates(timeout=0)
    async with Bot("999:OTHER", base_url=api.base_url) as other_token:
        await other_token.get_updates(timeout=0)  # another bot: no conflict
    api.text_message("release")
    assert len(await asyncio.wait_for(poll, 2)) == 1


async def test_webhook_blocks_get_updates(api: FakeBotAPI, bot: Bot) -> None:
    await bot.set_webhook("https://bot.example/hook", secret_token="s3cret_-")
    info = await bot.get_webhook_info()
    assert info.url == "https://bot.example/hook"
    with pytest.raises(Conflict, match=described("webhook is active")):
        await bot.get_updates()
    with pytest.raises(BadRequest, match=described("secret token")):
        await bot.set_webhook("https://bot.example/hook", secret_token="no spaces")
    api.text_message("pending")
    await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


async def test_post_webhook(api: FakeBotAPI) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        update = api.text_message("via webhook", push=False)
        assert api.pending_updates == []
        assert await api.post_webhook(url, update, secret_token="tok") == 200
        assert received == [(update, "tok")]
    finally:
        await runner.cleanup()


# -- files, commands, callbacks -----------------------------------------------------------


async def test_send_document_records_the_upload(api: FakeBotAPI, bot: Bot) -> None:
    payload = b"milia FAQ\n\x00\xff binary"
    message = await bot.send_document(
        CHAT, payload, filename="faq.txt", caption="<b>FAQ</b>", parse_mode="HTML"
    )
    assert message.document is not None and message.document.file_name == "faq.txt"
    assert message.document.file_size == len(payload)
    assert message.caption == "FAQ" and message.caption_entities[0].type == "bold"
    [call] = api.calls("sendDocument")
    upload = call.files["document"]
    assert (upload.filename, upload.data) == ("faq.txt", payload)
    assert call.params["caption"] == "<b>FAQ</b>"
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == payload


async def test_send_photo_and_delete_message(api: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_photo(CHAT, b"\x89PNG fake", caption="a milium")
    assert message.caption == "a milium" and len(message.photo) == 3
    photo_file = await bot.get_file(message.photo[-1].file_id)
    assert bytes(await photo_file.download_as_bytearray()) == b"\x89PNG fake"
    assert await bot.delete_message(CHAT, message.message_id)
    assert api.get_message(CHAT, message.message_id) is None
    with pytest.raises(BadRequest, match=described("message to delete not found")):
        await bot.delete_message(CHAT, message.message_id)


async def test_commands_are_stored_per_language_and_scope(api: FakeBotAPI, bot: Bot) -> None:
    english = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    indonesian = [BotCommand("start", "Mulai"), BotCommand("bantuan", "Bantuan")]
    await bot.set_my_commands(english)
    await bot.set_my_commands(indonesian, language_code="id")
    await bot.set_my_commands(english[:1], scope=BotCommandScopeAllPrivateChats())
    assert await bot.get_my_commands() == tuple(english)
    assert await bot.get_my_commands(language_code="id") == tuple(indonesian)
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == tuple(english[:1])
    assert await bot.get_my_commands(language_code="fr") == ()
    assert api.commands(language_code="id") == [c.to_dict() for c in indonesian]
    await bot.delete_my_commands(language_code="id")
    assert api.commands(language_code="id") is None
    with pytest.raises(BadRequest, match=described("BOT_COMMAND_INVALID")):
        await bot.set_my_commands([BotCommand("Start", "capital letters are invalid")])


async def test_callback_query_round_trip(api: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "pick", reply_markup=keyboard("faq:1"))
    update = Update.de_json(api.callback_query("faq:1", user_id=CHAT), bot)
    assert update.callback_query is not None and update.callback_query.data == "faq:1"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    assert await update.callback_query.answer("done")
    with pytest.raises(BadRequest, match=described("query is too old")):
        await update.callback_query.answer("twice")


async def test_update_builders(api: FakeBotAPI, bot: Bot) -> None:
    command = api.command("start", "deep-link", user_id=7, language_code="id")
    group = api.text_message("hi all", chat_type="group", user_id=8)
    supergroup = api.command("help", chat_type="supergroup", mention=True)
    photo = api.photo_message("look", user_id=7)
    sticker = api.sticker_message(user_id=7)
    voice = api.voice_message(user_id=7)
    edited = api.edited_message("hi all (edited)", message=group["message"])
    post = api.channel_post("news")
    odd = api.push_update({"some_future_kind": {"x": 1}})

    updates = {u.update_id: u for u in await bot.get_updates()}
    assert len(updates) == 9
    command_message = updates[command["update_id"]].message
    assert command_message is not None and command_message.text == "/start deep-link"
    assert command_message.from_user is not None and command_message.from_user.language_code == "id"
    assert command_message.entities[0].type == "bot_command"
    assert command_message.entities[0].length == len("/start")
    group_message = updates[group["update_id"]].message
    assert group_message is not None and group_message.chat.id == DEFAULT_GROUP_ID < 0
    assert group_message.chat.type == "group"
    super_message = updates[supergroup["update_id"]].message
    assert super_message is not None and super_message.chat.type == "supergroup"
    assert super_message.text == f"/help@{api.bot['username']}"
    assert super_message.from_user is not None and super_message.from_user.id == DEFAULT_USER_ID
    assert updates[photo["update_id"]].message.photo  # type: ignore[union-attr]
    assert updates[sticker["update_id"]].message.sticker  # type: ignore[union-attr]
    assert updates[voice["update_id"]].message.voice  # type: ignore[union-attr]
    edited_message = updates[edited["update_id"]].edited_message
    assert edited_message is not None and edited_message.message_id == group_message.message_id
    assert edited_message.text == "hi all (edited)"
    assert updates[post["update_id"]].channel_post is not None
    assert updates[odd["update_id"]].api_kwargs == {"some_future_kind": {"x": 1}}


# -- waiting -------------------------------------------------------------------------------


async def test_wait_for_times_out_with_a_clear_message(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(CHAT, "only one")
    with pytest.raises(AssertionError, match=r"(?s)2 sendMessage call\(s\).*sendMessage -> 200"):
        await api.wait_for("sendMessage", count=2, timeout=0.2)
    with pytest.raises(AssertionError, match="only one"):
        await api.wait_for_messages(chat_id=CHAT + 1, timeout=0.1)
    [call] = await api.wait_for("sendMessage", predicate=lambda c: c.params["text"] == "only one")
    assert call.ok and call.result["text"] == "only one"


# -- a whole PTB application -----------------------------------------------------------------


async def test_application_echoes_a_pushed_message(api: FakeBotAPI) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    app = ApplicationBuilder().token(TOKEN).base_url(api.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        api.text_message("<hello & welcome>", user_id=CHAT)
        [reply] = await api.wait_for_messages(chat_id=CHAT, timeout=5)
        assert reply["text"] == "echo: <hello & welcome>"
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert api.pending_updates == []  # the stop confirmed the update it had fetched
    assert [c.method for c in api.calls()][:2] == ["getMe", "deleteWebhook"]


# -- standalone mode -------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:.*retry_after:DeprecationWarning")
async def test_standalone_server_with_control_endpoints() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakebotapi",
        "--port",
        "0",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        base_url = line.split("base_url=")[1].strip()
        root = base_url.removesuffix("/bot")
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{root}/_control/build/text_message", json={"text": "hi"}
            ) as r:
                [built] = (await r.json())["result"]
            async with session.post(f"{root}/_control/push", json=[{"future_kind": {"x": 1}}]) as r:
                assert (await r.json())["result"][0]["update_id"] == built["update_id"] + 1
            async with session.post(
                f"{root}/_control/fault", json={"kind": "rate_limit", "method": "sendMessage"}
            ) as r:
                assert r.status == 200
            async with Bot(TOKEN, base_url=base_url) as client:
                assert len(await client.get_updates()) == 2
                with pytest.raises(RetryAfter):
                    await client.send_message(CHAT, "x")
                await client.send_message(CHAT, "y")
            async with session.get(f"{root}/_control/wait?method=sendMessage&count=2") as r:
                assert (await r.json())["result"] == {"count": 2}
            async with session.get(f"{root}/_control/calls?method=sendMessage&records=1") as r:
                result = (await r.json())["result"]
            assert result["total"] == 2 and result["counts"] == {"sendMessage": 2}
            assert [rec["status"] for rec in result["records"]] == [429, 200]
            async with session.get(f"{root}/_control/messages?chat_id={CHAT}") as r:
                assert [m["text"] for m in (await r.json())["result"]] == ["y"]
            async with session.post(f"{root}/_control/reset") as r:
                assert r.status == 200
            async with session.get(f"{root}/_control/calls") as r:
                assert (await r.json())["result"]["total"] == 0
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
