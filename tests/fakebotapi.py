"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

It is a real HTTP server (aiohttp, bound to 127.0.0.1 on a free port) that speaks enough of
the Bot API for python-telegram-bot to run against it unchanged, so nothing ever contacts
api.telegram.org::

    async with FakeBotAPI() as api:
        app = ApplicationBuilder().token("123:TEST").base_url(api.base_url).build()
        ...  # start the app polling
        api.text_message("hello", user_id=42)  # a user writes to the bot
        [reply] = await api.wait_for_messages(chat_id=42)
        assert reply["text"] == "hello"

What it does:

* Routes ``/bot{token}/{method}`` (any token, recorded; method names case-insensitive) and
  reads JSON, urlencoded and multipart bodies. Form fields holding JSON (reply_markup,
  entities, commands...) are decoded; uploads become :class:`UploadedFile`.
* Answers in the Bot API envelope, ``{"ok": true, "result": ...}`` or ``{"ok": false,
  "error_code": N, "description": "...", "parameters": {...}}``; unknown methods get 404.
* Implements getMe, getUpdates (offset, limit, allowed_updates, real long polling that
  wakes as soon as an update is pushed; a second concurrent call with the same token gets
  409 Conflict, as does getUpdates while a webhook is set), sendMessage, sendDocument,
  sendPhoto, editMessageText, editMessageReplyMarkup, deleteMessage, answerCallbackQuery,
  sendChatAction, set/get/deleteMyCommands (per scope and language_code), setWebhook,
  deleteWebhook, getWebhookInfo, getFile, logOut and close, and accepts
  setMyDescription, setMyShortDescription, setMyName and setChatMenuButton.
  :meth:`FakeBotAPI.register` adds more.
* Enforces the limits that catch real bugs: text over 4096 characters, caption over 1024,
  callback_data over 64 bytes (BUTTON_DATA_INVALID), text-only inline buttons, and
  parse_mode HTML that Telegram would reject (unknown or unbalanced tags, a raw ``<`` or
  ``&``), with Telegram's error descriptions. The fake is stricter than Telegram about a
  raw ``&``, which Telegram sometimes tolerates: that is how tests catch unescaped input.
  Markdown parse modes are accepted unchecked.
  Sent messages come back as full Message dicts whose text has the HTML turned into
  entities, as Telegram does.
* Records every request as a :class:`Call`; :meth:`FakeBotAPI.wait_for` and
  :meth:`FakeBotAPI.wait_for_messages` wait for them without polling.
* Injects faults: :meth:`~FakeBotAPI.fail`, :meth:`~FakeBotAPI.rate_limit` (429 with
  ``retry_after``), :meth:`~FakeBotAPI.delay`, :meth:`~FakeBotAPI.drop_connections`.
* Builds incoming updates (see :mod:`tests.fakebotapi_updates`): ``text_message``,
  ``command``, ``callback_query``, ``photo_message``, ``sticker_message``,
  ``voice_message``, ``edited_message``, ``channel_post``, ``message``; anything else
  (malformed, unknown kinds) goes through :meth:`FakeBotAPI.push_update`.

All tokens share one update queue and one set of chats: it fakes one bot.

Standalone, for benchmarks driven from another process::

    python -m tests.fakebotapi --port 8081

prints ``fakebotapi ready base_url=http://127.0.0.1:8081/bot`` once it listens and serves
until SIGINT/SIGTERM. Control endpoints (JSON in, the Bot API envelope out):

* ``POST /_control/push``: a JSON update or list of updates to queue; result: the updates.
* ``POST /_control/build/{builder}``: keyword arguments (an object, or a list of objects)
  for a builder such as ``text_message`` (``{"text": "hi", "user_id": 5}``); result: the
  updates.
* ``GET /_control/calls?method=sendMessage&records=1``: ``{"total": n, "counts":
  {method: n}}`` plus ``"records"`` (the calls, uploads without their bytes) if asked.
* ``GET /_control/wait?method=sendMessage&count=100&timeout=30``: waits until that many
  calls finished; 408 if they do not in time.
* ``GET /_control/messages?chat_id=42``: the messages the bot sent or edited.
* ``POST /_control/fault``: ``{"kind": "fail" | "rate_limit" | "delay" | "drop",
  "method": ..., "times": ...}`` plus the keyword arguments of the matching method.
* ``POST /_control/reset``: removes the faults and forgets the recorded calls.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import inspect
import json
import re
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

from aiohttp import ClientSession, ClientTimeout, web

from .fakebotapi_updates import (
    JSON,
    TelegramState,
    UpdateBuilders,
    now,
    utf16_len,
)

__all__ = ["BotAPIError", "Call", "FakeBotAPI", "UploadedFile", "parse_html"]

T = TypeVar("T")
Handler = Callable[["Call", web.Request], Awaitable[object]]


def _words(*parts: str) -> frozenset[str]:
    return frozenset(" ".join(parts).split())


MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
CONFLICT_POLLING = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = _words(
    "typing upload_photo record_video upload_video record_voice upload_voice "
    "upload_document choose_sticker find_location record_video_note upload_video_note"
)
# Form fields PTB sends as plain strings: never JSON-decode them ("123" stays text).
STRING_FIELDS = _words(
    "text caption parse_mode callback_query_id inline_message_id url secret_token "
    "description short_description name language_code action emoji title query "
    "business_connection_id message_effect_id file_id ip_address first_name last_name "
    "phone_number vcard address question explanation payload currency start_parameter"
)


class BotAPIError(Exception):
    """An error answer; raise it from a handler registered with :meth:`FakeBotAPI.register`."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field_name: str
    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass
class Call:
    """One request to the fake; ``status`` and ``response`` are set once it is answered."""

    method: str  # canonical Bot API spelling when known, e.g. "sendMessage"
    params: JSON
    token: str
    time: float  # time.monotonic() at arrival
    status: int | None = None  # None while pending, or if no answer was sent (drop, hang-up)
    response: JSON | None = None
    finished: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")

    @property
    def files(self) -> dict[str, UploadedFile]:
        return {k: v for k, v in self.params.items() if isinstance(v, UploadedFile)}

    def to_json(self) -> JSON:
        params = {
            k: {"filename": v.filename, "content_type": v.content_type, "size": len(v.data)}
            if isinstance(v, UploadedFile)
            else v
            for k, v in self.params.items()
        }
        return {
            "method": self.method,
            "params": params,
            "token": self.token,
            "time": self.time,
            "status": self.status,
            "response": self.response,
        }

    def summary(self) -> str:
        shown = {k: v for k, v in self.params.items() if k in ("chat_id", "text", "offset")}
        return f"{self.method} -> {self.status if self.finished else 'pending'} {shown}"[:200]


FaultKind = Literal["error", "delay", "drop"]


@dataclass
class _Fault:
    method: str | None  # lower-case, None for any
    kind: FaultKind
    remaining: int | None  # None: until reset_faults()
    error: BotAPIError | None = None
    seconds: float = 0.0


class _Signal:
    """Wakes every current waiter on :meth:`notify`; waiters then re-check their condition."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def until(self, condition: Callable[[], T | None], seconds: float) -> T | None:
        """The first non-None value of ``condition()``, re-checked on each notify; None if
        there is none within ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (value := condition()) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter, remaining)
            finally:
                self._waiters.discard(waiter)
        return value


class FakeBotAPI(UpdateBuilders):
    """The fake server. Use ``async with FakeBotAPI() as api`` or ``start()``/``stop()``."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_id: int = 7_000_000_001,
        username: str = "fake_faq_bot",
        first_name: str = "FAQ Bot",
        bot_fields: Mapping[str, Any] | None = None,
    ) -> None:
        bot: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        bot.update(bot_fields or {})
        self.state = TelegramState(bot=bot)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._calls: list[Call] = []
        self._calls_epoch = 0
        self._calls_changed = _Signal()
        self._outbox: list[JSON] = []
        self._updates: list[JSON] = []
        self._updates_changed = _Signal()
        self._allowed_updates: list[str] | None = None
        self._polls: dict[str, web.Request] = {}
        self._faults: list[_Fault] = []
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._webhook: JSON = {"url": ""}
        self._files: dict[str, UploadedFile] = {}
        self._methods: dict[str, tuple[str, Handler]] = {}
        for name, handler in self._builtin_methods().items():
            self._methods[name.lower()] = (name, handler)

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and serve; afterwards :attr:`port` is the real port."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already running")
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._add_control_routes(app)
        # handler_cancellation: a client hanging up (timeout, cancelled poll) ends its handler.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=2.0
        )
        await runner.setup()
        await web.TCPSite(runner, self._host, self._port).start()
        self._port = runner.addresses[0][1]
        self._closing.clear()
        self._runner = runner

    async def stop(self) -> None:
        """Wake long polls and delayed answers, then close the server."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing.set()
        self._updates_changed.notify()
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        """PTB's ``base_url``: PTB appends the token, then ``/method``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot(self) -> JSON:
        """The bot user that getMe returns."""
        return self.state.bot

    # -- updates -------------------------------------------------------------------------

    def push_update(self, update: Mapping[str, Any]) -> JSON:
        """Queue an update for getUpdates, giving it the next ``update_id`` unless it has one.

        The dict is queued as is: malformed and unknown shapes are fine.
        """
        queued = dict(update)
        if isinstance(queued.get("update_id"), int):
            self.state.note_update_id(queued["update_id"])
        else:
            queued["update_id"] = self.state.next_update_id()
        self.state.remember_update(queued)
        self._updates.append(queued)
        self._updates_changed.notify()
        return queued

    @property
    def pending_updates(self) -> list[JSON]:
        """Queued updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    # -- recorded calls and state --------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls in arrival order, of one method (any spelling) or all."""
        if method is None:
            return list(self._calls)
        wanted = method.lower()
        return [call for call in self._calls if call.method.lower() == wanted]

    def clear_calls(self) -> None:
        self._calls.clear()
        self._calls_epoch += 1

    def sent_messages(self, chat_id: int | None = None) -> list[JSON]:
        """Each message the bot sent, and each new version of one it edited, in order."""
        return [m for m in self._outbox if chat_id is None or m["chat"]["id"] == chat_id]

    def get_message(self, chat_id: int, message_id: int) -> JSON | None:
        """The current version of a message (the bot's or a user's), if it exists."""
        return self.state.messages.get((chat_id, message_id))

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON] | None:
        """The commands stored by setMyCommands for a scope and language, if any."""
        return self._commands.get((_scope_key(scope), language_code))

    @property
    def webhook(self) -> JSON:
        """The settings of the last setWebhook (``url`` is "" when none is set)."""
        return dict(self._webhook)

    async def wait_for(
        self,
        method: str | None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (the waiting is the point)
        predicate: Callable[[Call], bool] | None = None,
        *,
        answered: bool = True,
    ) -> list[Call]:
        """Wait until ``count`` answered calls of ``method`` (None: any) match ``predicate``.

        With ``answered=False`` calls count as soon as they arrive (e.g. to know that a
        long poll is in progress). Returns all the matching calls so far, in arrival order;
        raises AssertionError listing the recorded calls if they do not come within
        ``timeout`` seconds.
        """
        wanted = None if method is None else method.lower()
        epoch, seen = self._calls_epoch, 0
        pending: list[Call] = []  # in flight when last looked at
        found: list[Call] = []

        def matching() -> list[Call] | None:
            # Looks at each call once it is finished: O(new calls) per wake-up.
            nonlocal epoch, seen, pending
            if epoch != self._calls_epoch:  # clear_calls() meanwhile
                epoch, seen, pending = self._calls_epoch, 0, []
                found.clear()
            fresh = self._calls[seen:]
            seen = len(self._calls)
            waiting = []
            for call in pending + fresh:
                if wanted is not None and call.method.lower() != wanted:
                    continue
                if answered and not call.finished:
                    waiting.append(call)
                elif predicate is None or predicate(call):
                    found.append(call)
            pending = waiting
            return found if len(found) >= count else None

        if await self._calls_changed.until(matching, timeout) is None:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {count} {method or 'any'} call(s)"
                f"{' matching the predicate' if predicate else ''}; recorded:\n"
                + self._describe_calls()
            )
        return sorted(found, key=lambda call: call.time)

    async def wait_for_messages(
        self,
        count: int = 1,
        chat_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 (the waiting is the point)
        predicate: Callable[[JSON], bool] | None = None,
    ) -> list[JSON]:
        """Wait until the bot sent or edited ``count`` messages (in ``chat_id``) that match."""

        seen = 0
        found: list[JSON] = []

        def matching() -> list[JSON] | None:
            nonlocal seen
            for message in self._outbox[seen:]:
                in_chat = chat_id is None or message["chat"]["id"] == chat_id
                if in_chat and (predicate is None or predicate(message)):
                    found.append(message)
            seen = len(self._outbox)
            return found if len(found) >= count else None

        if await self._calls_changed.until(matching, timeout) is None:
            where = "" if chat_id is None else f" in chat {chat_id}"
            raise AssertionError(
                f"timed out after {timeout}s waiting for {count} message(s){where}; "
                f"sent: {[m.get('text', m.get('caption')) for m in self._outbox]}; recorded:\n"
                + self._describe_calls()
            )
        return found

    def _describe_calls(self, last: int = 40) -> str:
        if not self._calls:
            return "  (no calls)"
        lines = [f"  {c.summary()}" for c in self._calls[-last:]]
        if len(self._calls) > last:
            lines.insert(0, f"  ... {len(self._calls) - last} earlier calls")
        return "\n".join(lines)

    # -- fault injection -----------------------------------------------------------------

    def fail(
        self,
        method: str | None,
        times: int | None = 1,
        status: int = 500,
        description: str | None = None,
        parameters: JSON | None = None,
    ) -> None:
        """Answer the next ``times`` calls (None: all until reset) with an error."""
        description = description or f"Internal Server Error ({status})"
        error = BotAPIError(status, description, parameters)
        self._faults.append(_Fault(_method_key(method), "error", times, error=error))

    def rate_limit(self, method: str | None, times: int | None = 1, retry_after: int = 5) -> None:
        """Answer 429 Too Many Requests with ``parameters.retry_after``."""
        self.fail(
            method,
            times,
            429,
            f"Too Many Requests: retry after {retry_after}",
            {"retry_after": retry_after},
        )

    def delay(self, method: str | None, seconds: float, times: int | None = 1) -> None:
        """Hold the answer ``seconds`` (so client timeouts fire), then answer normally."""
        self._faults.append(_Fault(_method_key(method), "delay", times, seconds=seconds))

    def drop_connections(self, method: str | None, times: int | None = 1) -> None:
        """Close the connection without any answer."""
        self._faults.append(_Fault(_method_key(method), "drop", times))

    def reset_faults(self) -> None:
        self._faults.clear()

    def _take_faults(self, method: str) -> list[_Fault]:
        """Consume the delays and the first error/drop that apply to a call, in order."""
        key = method.lower()
        taken: list[_Fault] = []
        for fault in list(self._faults):
            if fault.method not in (None, key):
                continue
            taken.append(fault)
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
            if fault.kind != "delay":
                break
        return taken

    # -- extension -----------------------------------------------------------------------

    def register(self, method: str, handler: Callable[[Call], object]) -> None:
        """Serve (or replace) a method: ``handler(call)`` returns the result (may be async)
        or raises :class:`BotAPIError`."""

        async def wrapped(call: Call, _request: web.Request) -> object:
            result = handler(call)
            return await result if inspect.isawaitable(result) else result

        self._methods[method.lower()] = (method, wrapped)

    async def post_webhook(
        self, url: str | None, update: Mapping[str, Any], secret_token: str | None = None
    ) -> int:
        """POST an update to a bot's webhook as Telegram does; returns the HTTP status.

        ``url`` None means the webhook set with setWebhook, with its secret token unless
        ``secret_token`` is given.
        """
        if url is None:
            url = self._webhook["url"]
            if secret_token is None:
                secret_token = self._webhook.get("secret_token")
            if not url:
                raise ValueError("no webhook is set; pass its url")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token else {}
        async with (
            ClientSession(timeout=ClientTimeout(total=10)) as session,
            session.post(url, json=dict(update), headers=headers) as response,
        ):
            await response.read()
            return response.status

    # -- HTTP ----------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        name = request.match_info["method"]
        method, handler = self._methods.get(name.lower(), (name, None))
        try:
            params = await _read_params(request)
        except ValueError as exc:
            body = bad_request(f"can't parse request: {exc}").body()
            return web.json_response(body, status=400)
        call = Call(method, params, token, time.monotonic())
        self._calls.append(call)
        self._calls_changed.notify()
        try:
            answer = await self._answer(call, handler, request)
        finally:
            call.finished = True  # also when cancelled because the client hung up
            self._calls_changed.notify()
        if answer is None:
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        call.status, call.response = answer
        return web.json_response(call.response, status=call.status)

    async def _answer(
        self, call: Call, handler: Handler | None, request: web.Request
    ) -> tuple[int, JSON] | None:
        for fault in self._take_faults(call.method):
            if fault.kind == "delay":
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), fault.seconds)
            elif fault.kind == "drop":
                return None
            elif fault.error is not None:
                return fault.error.status, fault.error.body()
        if handler is None:
            return 404, BotAPIError(404, "Not Found").body()
        try:
            result = await handler(call, request)
        except BotAPIError as exc:
            return exc.status, exc.body()
        return 200, {"ok": True, "result": result}

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        for upload_id, upload in self._files.items():
            if _file_path(upload_id, upload) == request.match_info["path"]:
                return web.Response(body=upload.data, content_type=upload.content_type)
        return web.json_response(BotAPIError(404, "Not Found").body(), status=404)

    # -- Bot API methods -----------------------------------------------------------------

    def _builtin_methods(self) -> dict[str, Handler]:
        accept = self._accept
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getFile": self._get_file,
            "logOut": accept,
            "close": accept,
            "setMyDescription": accept,
            "setMyShortDescription": accept,
            "setMyName": accept,
            "setChatMenuButton": accept,
        }

    async def _accept(self, call: Call, request: web.Request) -> object:
        return True

    async def _get_me(self, call: Call, request: web.Request) -> object:
        return dict(self.state.bot)

    async def _get_updates(self, call: Call, request: web.Request) -> object:
        if self._webhook["url"]:
            raise BotAPIError(409, CONFLICT_WEBHOOK)
        active = self._polls.get(call.token)
        if active is not None and not _hung_up(active):
            raise BotAPIError(409, CONFLICT_POLLING)
        self._polls[call.token] = request
        try:
            params = call.params
            limit = min(max(_int(params, "limit", 100), 1), 100)
            timeout = max(_float(params, "timeout", 0.0), 0.0)
            allowed = params.get("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = [str(kind) for kind in allowed] or None
            self._confirm(_int(params, "offset", 0))

            def ready() -> list[JSON] | None:
                batch = self._deliverable(limit)
                return batch if batch or self._closing.is_set() else None

            return await self._updates_changed.until(ready, timeout) or []
        finally:
            if self._polls.get(call.token) is request:
                del self._polls[call.token]

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[JSON]:
        if self._allowed_updates is not None:
            allowed = set(self._allowed_updates)
            self._updates = [u for u in self._updates if allowed & u.keys()]
        return self._updates[:limit]

    async def _send_message(self, call: Call, request: web.Request) -> object:
        params = call.params
        chat_id = self._chat_id(params)
        content = _text_content(params, "text", MAX_TEXT)
        markup = _inline_markup(params.get("reply_markup"))
        return self._send(chat_id, content, params, markup)

    async def _send_document(self, call: Call, request: web.Request) -> object:
        params = call.params
        chat_id = self._chat_id(params)
        document = params.get("document")
        if not document:
            raise bad_request("there is no document in the request")
        content: JSON = {"document": self._file_object(document, "document")}
        content.update(_text_content(params, "caption", MAX_CAPTION, optional=True))
        return self._send(chat_id, content, params, _inline_markup(params.get("reply_markup")))

    async def _send_photo(self, call: Call, request: web.Request) -> object:
        params = call.params
        chat_id = self._chat_id(params)
        photo = params.get("photo")
        if not photo:
            raise bad_request("there is no photo in the request")
        file = self._file_object(photo, "photo")
        ids = {"file_id": file["file_id"], "file_unique_id": file["file_unique_id"]}
        thumbnails = [
            {key: f"{value}-{side}" for key, value in ids.items()} | {"width": side, "height": side}
            for side in (90, 320)
        ]
        largest = ids | {"width": 800, "height": 800}  # getFile works with this one
        if "file_size" in file:
            largest["file_size"] = file["file_size"]
        content: JSON = {"photo": [*thumbnails, largest]}
        content.update(_text_content(params, "caption", MAX_CAPTION, optional=True))
        return self._send(chat_id, content, params, _inline_markup(params.get("reply_markup")))

    async def _edit_message_text(self, call: Call, request: web.Request) -> object:
        params = call.params
        content = _text_content(params, "text", MAX_TEXT)
        markup = _inline_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        old = self._editable(params)
        if "text" not in old:
            raise bad_request("there is no text in the message to edit")
        unchanged = (old.get("text"), old.get("entities"), old.get("reply_markup"))
        if unchanged == (content["text"], content.get("entities"), markup):
            raise BotAPIError(400, NOT_MODIFIED)
        return self._store_edit(old, content, markup)

    async def _edit_message_reply_markup(self, call: Call, request: web.Request) -> object:
        params = call.params
        markup = _inline_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        old = self._editable(params)
        if old.get("reply_markup") == markup:
            raise BotAPIError(400, NOT_MODIFIED)
        return self._store_edit(old, {}, markup)

    async def _delete_message(self, call: Call, request: web.Request) -> object:
        key = (self._chat_id(call.params), _int(call.params, "message_id", 0))
        if self.state.messages.pop(key, None) is None:
            raise bad_request("message to delete not found")
        return True

    async def _answer_callback_query(self, call: Call, request: web.Request) -> object:
        query_id = str(call.params.get("callback_query_id", ""))
        if query_id not in self.state.callback_query_ids:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.state.callback_query_ids.discard(query_id)  # a query is answered once
        return True

    async def _send_chat_action(self, call: Call, request: web.Request) -> object:
        self._chat_id(call.params)
        if call.params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _set_my_commands(self, call: Call, request: web.Request) -> object:
        commands = call.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 BotCommand")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(call.params)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, call: Call, request: web.Request) -> object:
        return self._commands.get(self._commands_key(call.params), [])

    async def _delete_my_commands(self, call: Call, request: web.Request) -> object:
        self._commands.pop(self._commands_key(call.params), None)
        return True

    async def _set_webhook(self, call: Call, request: web.Request) -> object:
        params = call.params
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        url = str(params.get("url") or "")
        self._webhook = {"url": url} if not url else {**params, "url": url}
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = [str(kind) for kind in params["allowed_updates"]] or None
        return True

    async def _delete_webhook(self, call: Call, request: web.Request) -> object:
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {"url": ""}
        return True

    async def _get_webhook_info(self, call: Call, request: web.Request) -> object:
        info: JSON = {
            "url": self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook["url"]:
            info["max_connections"] = self._webhook.get("max_connections", 40)
            if self._allowed_updates is not None:
                info["allowed_updates"] = self._allowed_updates
        return info

    async def _get_file(self, call: Call, request: web.Request) -> object:
        file_id = str(call.params.get("file_id", ""))
        upload = self._files.get(file_id)
        if upload is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "file_size": len(upload.data),
            "file_path": _file_path(file_id, upload),
        }

    # -- method helpers ------------------------------------------------------------------

    def _chat_id(self, params: JSON) -> int:
        value = params.get("chat_id")
        if isinstance(value, int) and not isinstance(value, bool) and value != 0:
            return value
        if isinstance(value, str) and value.startswith("@"):
            for chat_id, chat in self.state.chats.items():
                if chat.get("username") and "@" + chat["username"] == value:
                    return chat_id
        if value in (None, ""):
            raise bad_request("chat_id is empty")
        raise bad_request("chat not found")

    def _send(self, chat_id: int, content: JSON, params: JSON, markup: JSON | None) -> JSON:
        reply = params.get("reply_parameters")
        replied = None
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            replied = self.state.messages.get((chat_id, reply["message_id"]))
            if replied is None and not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
        message: JSON = {
            "message_id": self.state.next_message_id(chat_id),
            "from": self.state.bot_sender,
            "chat": self.state.chat(chat_id),
            "date": now(),
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
        if replied is not None:
            message["reply_to_message"] = replied
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        self.state.remember_message(message)
        self._outbox.append(message)
        return message

    def _editable(self, params: JSON) -> JSON:
        key = (self._chat_id(params), _int(params, "message_id", 0))
        old = self.state.messages.get(key)
        if old is None:
            raise bad_request("message to edit not found")
        if old.get("from", {}).get("id") != self.state.bot["id"]:
            raise bad_request("message can't be edited")
        return old

    def _store_edit(self, old: JSON, content: JSON, markup: JSON | None) -> JSON:
        dropped = {"reply_markup", "edit_date"} | ({"entities"} if content else set())
        message = {k: v for k, v in old.items() if k not in dropped}
        message.update(content)
        message["edit_date"] = now()
        if markup is not None:
            message["reply_markup"] = markup
        self.state.remember_message(message)
        self._outbox.append(message)
        return message

    def _file_object(self, value: object, kind: str) -> JSON:
        if isinstance(value, UploadedFile):
            file_id = self.state.new_id(kind)
            self._files[file_id] = value
            return {
                "file_id": file_id,
                "file_unique_id": "u" + file_id,
                "file_name": value.filename,
                "mime_type": value.content_type,
                "file_size": len(value.data),
            }
        file_id = str(value)  # a file_id or a URL for Telegram to fetch
        return {"file_id": file_id, "file_unique_id": "u" + file_id}

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope")
        language_code = str(params.get("language_code") or "")
        return _scope_key(scope if isinstance(scope, dict) else None), language_code

    # -- control endpoints (standalone mode) ---------------------------------------------

    def _add_control_routes(self, app: web.Application) -> None:
        app.router.add_post("/_control/push", self._control_push)
        app.router.add_post("/_control/build/{builder}", self._control_build)
        app.router.add_get("/_control/calls", self._control_calls)
        app.router.add_get("/_control/wait", self._control_wait)
        app.router.add_get("/_control/messages", self._control_messages)
        app.router.add_post("/_control/fault", self._control_fault)
        app.router.add_post("/_control/reset", self._control_reset)

    async def _control_push(self, request: web.Request) -> web.Response:
        body = await request.json()
        updates = body if isinstance(body, list) else [body]
        return _ok([self.push_update(update) for update in updates])

    async def _control_build(self, request: web.Request) -> web.Response:
        name = request.match_info["builder"]
        if name not in _BUILDERS:
            return _control_error(404, f"unknown builder {name!r}; use one of {_BUILDERS}")
        body = await request.json()
        builder = getattr(self, name)
        try:
            built = [builder(**kwargs) for kwargs in (body if isinstance(body, list) else [body])]
        except (TypeError, ValueError) as exc:
            return _control_error(400, str(exc))
        return _ok(built)

    async def _control_calls(self, request: web.Request) -> web.Response:
        calls = self.calls(request.query.get("method"))
        result: JSON = {"total": len(calls), "counts": dict(Counter(c.method for c in calls))}
        if request.query.get("records") in ("1", "true"):
            result["records"] = [call.to_json() for call in calls]
        return _ok(result)

    async def _control_wait(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            calls = await self.wait_for(
                query.get("method"),
                count=int(query.get("count", "1")),
                timeout=float(query.get("timeout", "5")),
            )
        except AssertionError as exc:
            return _control_error(408, str(exc))
        return _ok({"count": len(calls)})

    async def _control_messages(self, request: web.Request) -> web.Response:
        chat_id = request.query.get("chat_id")
        return _ok(self.sent_messages(None if chat_id is None else int(chat_id)))

    async def _control_fault(self, request: web.Request) -> web.Response:
        spec = dict(await request.json())
        kind = spec.pop("kind", None)
        actions: dict[str, Callable[..., None]] = {
            "fail": self.fail,
            "rate_limit": self.rate_limit,
            "delay": self.delay,
            "drop": self.drop_connections,
        }
        if kind not in actions:
            return _control_error(400, f"kind must be one of {sorted(actions)}")
        spec.setdefault("method", None)
        try:
            actions[kind](**spec)
        except TypeError as exc:
            return _control_error(400, str(exc))
        return _ok(True)

    async def _control_reset(self, request: web.Request) -> web.Response:
        self.reset_faults()
        self.clear_calls()
        return _ok(True)


_BUILDERS = (
    "message",
    "text_message",
    "command",
    "callback_query",
    "photo_message",
    "sticker_message",
    "voice_message",
    "edited_message",
    "channel_post",
)


def _ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _control_error(status: int, description: str) -> web.Response:
    return web.json_response(BotAPIError(status, description).body(), status=status)


def _hung_up(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()


def _method_key(method: str | None) -> str | None:
    return None if method is None or method == "*" else method.lower()


def _scope_key(scope: JSON | None) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


def _file_path(file_id: str, upload: UploadedFile) -> str:
    return f"documents/{file_id}_{upload.filename}"


def _int(params: JSON, name: str, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f'field "{name}" must be of type Integer') from None


def _float(params: JSON, name: str, default: float) -> float:
    value = params.get(name)
    if value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise bad_request(f'field "{name}" must be a Number') from None


async def _read_params(request: web.Request) -> JSON:
    """The parameters of a Bot API request, whatever way the client sent them."""
    params: JSON = {key: _decode_field(key, value) for key, value in request.query.items()}
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid JSON body: {exc}") from None
        if not isinstance(body, dict):
            raise ValueError("the JSON body must be an object")
        params.update(body)
        return params
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            data = value.file.read()
            params[key] = UploadedFile(key, value.filename, value.content_type, data)
        else:
            text = value if isinstance(value, str) else bytes(value).decode()
            params[key] = _decode_field(key, text)
    return params


def _decode_field(name: str, value: str) -> object:
    """PTB sends non-string values JSON-encoded inside form fields: decode those."""
    if name in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _inline_markup(markup: object) -> JSON | None:
    """Validate ``reply_markup``; returns it if it is an inline keyboard (Telegram echoes
    only those in ``Message.reply_markup``)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Text must be a String")
        if button.keys() == {"text"}:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )
        data = button.get("callback_data")
        if "callback_data" in button and (
            not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA
        ):
            raise bad_request("BUTTON_DATA_INVALID")
    return markup


def _text_content(params: JSON, key: str, limit: int, *, optional: bool = False) -> JSON:
    """``{key: text, key_entities: [...]}`` after parse_mode, checked against ``limit``."""
    entities_key = "entities" if key == "text" else f"{key}_entities"
    raw = params.get(key)
    if raw is None or raw == "":
        if optional:
            return {}
        raise bad_request("message text is empty")
    text = str(raw)
    entities = params.get(entities_key)
    if not entities:
        mode = str(params.get("parse_mode") or "").lower()
        if mode == "html":
            try:
                text, entities = parse_html(text)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode not in ("", "markdown", "markdownv2"):
            raise bad_request("unsupported parse_mode")
    if not text.strip() and not optional:
        raise bad_request("message text is empty")
    if len(text) > limit:
        raise bad_request("message is too long" if key == "text" else "message caption is too long")
    content: JSON = {key: text}
    if entities:
        content[entities_key] = entities
    return content


# -- Telegram's HTML subset ------------------------------------------------------------

_TAG_RE = re.compile(
    r"""<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z][\w-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*>"""
)
_ATTR_RE = re.compile(r"""([a-zA-Z][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class EntityParseError(ValueError):
    """Text that Telegram would refuse with "can't parse entities"."""


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the plain text
    language: str | None = None  # for <pre>, from a nested <code class="language-...">


def parse_html(text: str) -> tuple[str, list[JSON]]:
    """Plain text and entities of a parse_mode=HTML text, as Telegram would make them.

    Raises :class:`EntityParseError` for what Telegram rejects (and for a raw ``&``).
    """
    plain: list[str] = []
    offset = 0  # UTF-16 length of plain so far
    stack: list[_OpenTag] = []
    entities: list[JSON] = []
    i = 0
    while i < len(text):
        char = text[i]
        at = f"at byte offset {len(text[:i].encode())}"
        if char == "&":
            match = _ENTITY_RE.match(text, i)
            decoded = _decode_entity(match) if match else None
            if match is None or decoded is None:
                raise EntityParseError(f'Unescaped "&" or unsupported HTML entity {at}')
            plain.append(decoded)
            offset += utf16_len(decoded)
            i = match.end()
        elif char == "<":
            match = _TAG_RE.match(text, i)
            if match is None:
                raise EntityParseError(f'Unsupported start tag "" {at}: escape "<" as &lt;')
            closing, name = match.group(1) == "/", match.group(2).lower()
            if closing:
                if not stack:
                    raise EntityParseError(f"Unexpected end tag {at}")
                if stack[-1].name != name:
                    raise EntityParseError(
                        f'Unmatched end tag {at}, expected "</{stack[-1].name}>", found "</{name}>"'
                    )
                entity = _close_tag(stack.pop(), offset, stack)
                if entity is not None:
                    entities.append(entity)
            else:
                stack.append(_open_tag(name, match.group(3), offset, at))
            i = match.end()
        else:
            plain.append(char)
            offset += utf16_len(char)
            i += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


def _decode_entity(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, named = match.groups()
    if named:
        return _NAMED_ENTITIES[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    return chr(code) if 0 < code <= 0x10FFFF else None


def _open_tag(name: str, raw_attrs: str, offset: int, at: str) -> _OpenTag:
    if name not in _TAG_TYPES:
        raise EntityParseError(f'Unsupported start tag "{name}" {at}')
    attrs = {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in _ATTR_RE.finditer(raw_attrs)
    }
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" {at}')
    if name == "tg-emoji" and not attrs.get("emoji-id"):
        raise EntityParseError(f'Tag "tg-emoji" must have attribute "emoji-id" {at}')
    return _OpenTag(name, attrs, offset)


def _close_tag(tag: _OpenTag, end: int, stack: list[_OpenTag]) -> JSON | None:
    length = end - tag.offset
    kind = _TAG_TYPES[tag.name]
    language = tag.attrs.get("class", "").removeprefix("language-")
    if tag.name == "code" and stack and stack[-1].name == "pre" and "class" in tag.attrs:
        stack[-1].language = language  # <pre><code class="language-x">: one pre entity
        return None
    if length == 0:
        return None
    entity: JSON = {"type": kind, "offset": tag.offset, "length": length}
    if kind == "text_link":
        href = tag.attrs.get("href")
        if not href:
            return None
        entity["url"] = href
    elif kind == "pre" and tag.language:
        entity["language"] = tag.language
    elif kind == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    return entity


# -- standalone ------------------------------------------------------------------------


async def serve(host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with FakeBotAPI(host=host, port=port) as api:
        print(f"fakebotapi ready base_url={api.base_url}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
