"""Fault injection: error answers, 429s, delays and dropped connections, per method.

:class:`FaultInjection` is the part of :class:`~tests.fakebotapi.FakeBotAPI` that queues
faults (:meth:`~FaultInjection.fail`, :meth:`~FaultInjection.rate_limit`,
:meth:`~FaultInjection.delay`, :meth:`~FaultInjection.drop_connections`); the server takes
the ones that apply to a call with ``_take_faults`` before it answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..fakebotapi_updates import JSON
from .records import BotAPIError

FaultKind = Literal["error", "delay", "drop"]


@dataclass
class Fault:
    method: str | None  # lower-case, None for any
    kind: FaultKind
    remaining: int | None  # None: until reset_faults()
    error: BotAPIError | None = None
    seconds: float = 0.0


class FaultInjection:
    """Queued faults; mixed into :class:`~tests.fakebotapi.FakeBotAPI`, which creates
    ``_faults``."""

    _faults: list[Fault]

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
        self._faults.append(Fault(_method_key(method), "error", times, error=error))

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
        self._faults.append(Fault(_method_key(method), "delay", times, seconds=seconds))

    def drop_connections(self, method: str | None, times: int | None = 1) -> None:
        """Close the connection without any answer."""
        self._faults.append(Fault(_method_key(method), "drop", times))

    def reset_faults(self) -> None:
        self._faults.clear()

    def _take_faults(self, method: str) -> list[Fault]:
        """Consume the delays and the first error/drop that apply to a call, in order."""
        key = method.lower()
        taken: list[Fault] = []
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


def _method_key(method: str | None) -> str | None:
    return None if method is None or method == "*" else method.lower()
