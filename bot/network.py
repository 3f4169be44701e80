"""How the bot copes with an unreliable Bot API: retried replies and unparsable updates.

- :class:`RetryingRateLimiter` is PTB's ``AIORateLimiter`` (which waits out a 429's
  ``retry_after``) that also retries a request lost on the way: a 5xx answer, a dropped
  connection, a timeout. Without it one such failure turns the user's answer into the
  error handler's apology, or into nothing when the apology fails too.
- :class:`UpdatesRequest` is the HTTP client of ``getUpdates``. PTB parses a whole batch of
  updates at once; one update it cannot parse makes it log the batch (user texts included)
  and fetch the same batch again, forever, so the bot answers no one. Here, when PTB asks
  for a batch again, each update of it that does not parse is emptied to its
  ``update_id``: no handler matches it, and polling moves on. (Checking every batch up
  front would parse every update twice: a tenth of the bot's time under load.)
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Any, Final, TypeAlias

from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import AIORateLimiter
from telegram.request import BaseRequest, HTTPXRequest, RequestData

logger = logging.getLogger(__name__)

TRANSIENT: Final = (NetworkError, TimedOut)
"""Exactly these types are retried; their subclasses (BadRequest...) are final answers."""

# A timeout argument of do_request: seconds, None for none, or BaseRequest.DEFAULT_NONE for
# the client's own. PTB's name for this type is private (telegram._utils.types.ODVInput).
Timeout: TypeAlias = Any


class RetryingRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` that also retries requests lost to 5xx answers, dropped
    connections and timeouts, ``network_retries`` times with exponential backoff.

    A timed-out ``sendMessage`` may have reached Telegram, so a retry can repeat an answer:
    twice is better than never for a user waiting for one.
    """

    def __init__(
        self,
        *,
        max_retries: int = 3,
        network_retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
    ) -> None:
        super().__init__(max_retries=max_retries)
        self._network_retries = network_retries
        self._backoff = backoff
        self._max_backoff = max_backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        delay = self._backoff
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except TRANSIENT as exc:
                if type(exc) not in TRANSIENT or attempt >= self._network_retries:
                    raise
                attempt += 1
                logger.warning(
                    "%s failed (%s); retry %d of %d in %.1f s",
                    endpoint,
                    exc.message,
                    attempt,
                    self._network_retries,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_backoff)


class WithholdUpdates(logging.Filter):
    """Replaces the updates in PTB's "Error while parsing updates!" record: user texts."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Error while parsing updates"):
            record.msg, record.args = "Error while parsing updates (withheld: user data)", None
        return True


_WITHHOLD_UPDATES: Final = WithholdUpdates()


class UpdatesRequest(HTTPXRequest):
    """The ``getUpdates`` client: when PTB asks for a batch again because it could not parse
    it, the updates of the batch that do not parse are emptied to their id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The first update_id of the last batch. PTB confirms a batch it parsed by asking
        # for an offset past it; asking for this id or less again means it could not.
        self._unconfirmed: int | None = None
        logging.getLogger("telegram.ext.ExtBot").addFilter(_WITHHOLD_UPDATES)  # idempotent

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await super().do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if code != HTTPStatus.OK:
            return code, payload
        offset = request_data.parameters.get("offset") if request_data is not None else None
        refetch = self._unconfirmed is not None and (
            not isinstance(offset, int) or offset <= self._unconfirmed
        )
        if refetch:
            payload = empty_unparsable_updates(payload)
        self._unconfirmed = first_update_id(payload)
        return code, payload


def first_update_id(payload: bytes) -> int | None:
    """The ``update_id`` of the first update in a ``getUpdates`` answer, if any."""
    try:
        updates = json.loads(payload).get("result")
        update_id = updates[0]["update_id"]
    except (ValueError, AttributeError, LookupError, TypeError):
        return None
    return update_id if isinstance(update_id, int) else None


def empty_unparsable_updates(payload: bytes) -> bytes:
    """A ``getUpdates`` answer whose updates PTB cannot parse are reduced to their
    ``update_id`` (dropped if they have none); ``payload`` itself if all parse."""
    try:
        body = json.loads(payload)
    except ValueError:
        return payload  # PTB reports an unreadable answer itself
    updates = body.get("result") if isinstance(body, dict) else None
    if not isinstance(updates, list):
        return payload
    kept: list[object] = []
    changed = False
    for update in updates:
        try:
            Update.de_json(update, None)
        except Exception as exc:
            fields = update if isinstance(update, dict) else {}
            update_id = fields.get("update_id")
            kinds = ", ".join(sorted(k for k in fields if k != "update_id"))
            # The kind and the error type only: the content is the user's message.
            logger.error(
                "skipping update %s (%s) that cannot be parsed: %s",
                update_id,
                kinds or type(update).__name__,
                type(exc).__name__,
            )
            if isinstance(update_id, int) and not isinstance(update_id, bool):
                kept.append({"update_id": update_id})
            changed = True
        else:
            kept.append(update)
    if not changed:
        return payload
    body["result"] = kept
    return json.dumps(body).encode()
