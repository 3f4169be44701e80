"""The ``/_control/...`` endpoints, which drive the fake from another process.

:class:`ControlEndpoints` adds them to :class:`~tests.fakebotapi.FakeBotAPI`'s routes; each
one maps to the in-process API (``push_update``, the update builders, ``calls``,
``wait_for``, ``sent_messages``, the fault methods) and answers in the Bot API envelope.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from aiohttp import web

from ..fakebotapi_updates import JSON, UpdateBuilders
from .faults import FaultInjection
from .records import BotAPIError, CallLog


class ControlEndpoints(UpdateBuilders, CallLog, FaultInjection):
    """The control endpoints; mixed into :class:`~tests.fakebotapi.FakeBotAPI`."""

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
