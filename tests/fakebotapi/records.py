"""What the fake records: error answers, uploads, calls, and the log of them.

:class:`Call` is one request as the fake saw and answered it. :class:`CallLog` is the part
of :class:`~tests.fakebotapi.FakeBotAPI` that keeps the calls and the messages the bot
sent, and waits for them without polling: the server notifies ``_calls_changed`` (a
:class:`Signal`) whenever a call arrives or is answered.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..fakebotapi_updates import JSON

T = TypeVar("T")


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
    content_type: str = ""  # of the request body ("" when it had none)

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


class Signal:
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


class CallLog:
    """Recorded calls and sent messages; mixed into :class:`~tests.fakebotapi.FakeBotAPI`,
    which creates these attributes and appends to them."""

    _calls: list[Call]
    _calls_epoch: int  # bumped by clear_calls(), so that waiters start over
    _calls_changed: Signal
    _outbox: list[JSON]  # each message the bot sent, and each edited version

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
