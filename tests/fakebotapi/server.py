"""The fake server itself: :class:`FakeBotAPI`, its state, its HTTP routes and lifecycle.

It receives every request, records it as a :class:`~tests.fakebotapi.Call`, applies the
queued faults and dispatches it to a method handler. The handlers, the call log, fault
injection, the control endpoints and the update builders are mixins defined in the other
modules of the package.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self

from aiohttp import ClientSession, ClientTimeout, web

from ..fakebotapi_updates import JSON, TelegramState
from .control import ControlEndpoints
from .faults import Fault
from .methods import BotMethods, Handler, file_path, scope_key
from .params import read_params
from .records import BotAPIError, Call, Signal, UploadedFile, bad_request


class FakeBotAPI(ControlEndpoints, BotMethods):
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
        self._calls_changed = Signal()
        self._outbox: list[JSON] = []
        self._updates: list[JSON] = []
        self._updates_changed = Signal()
        self._allowed_updates: list[str] | None = None
        self._polls: dict[str, web.Request] = {}
        self._faults: list[Fault] = []
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

    # -- state ---------------------------------------------------------------------------

    def get_message(self, chat_id: int, message_id: int) -> JSON | None:
        """The current version of a message (the bot's or a user's), if it exists."""
        return self.state.messages.get((chat_id, message_id))

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON] | None:
        """The commands stored by setMyCommands for a scope and language, if any."""
        return self._commands.get((scope_key(scope), language_code))

    @property
    def webhook(self) -> JSON:
        """The settings of the last setWebhook (``url`` is "" when none is set)."""
        return dict(self._webhook)

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
            params = await read_params(request)
        except ValueError as exc:
            body = bad_request(f"can't parse request: {exc}").body()
            return web.json_response(body, status=400)
        content_type = request.content_type if request.body_exists else ""
        call = Call(method, params, token, time.monotonic(), content_type=content_type)
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
            if file_path(upload_id, upload) == request.match_info["path"]:
                return web.Response(body=upload.data, content_type=upload.content_type)
        return web.json_response(BotAPIError(404, "Not Found").body(), status=404)
