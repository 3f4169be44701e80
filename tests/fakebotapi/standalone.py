"""The command line: ``python -m tests.fakebotapi [--host HOST] [--port PORT]`` serves the
fake until SIGINT or SIGTERM, after printing ``fakebotapi ready base_url=...`` (which
``bench/_common.py`` waits for)."""

from __future__ import annotations

import argparse
import asyncio
import signal

from .server import FakeBotAPI


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
