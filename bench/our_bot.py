"""Our bot as ``python -m bot`` runs it (polling, same settings and logging), with the
outgoing rate limiter off: the runner that ``bench_bot.py`` and ``soak.py`` start.

``python -m bot`` has no switch for the rate limiter, and at Telegram's 30 messages a
second it would measure the limiter, not the bot. Configured by the same environment
variables as ``skinfaq bot`` (TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL, SKINFAQ_DATABASE...).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_application
from bot.run import configure_logging, run
from bot.settings import Settings


def main() -> int:
    settings = Settings.from_env()
    token = settings.token.get_secret_value() if settings.token is not None else None
    configure_logging(settings.log_level, secrets=(token, settings.webhook_secret))
    engine = settings.load_engine()
    return run(build_application(settings, engine=engine, rate_limit=False), settings)


if __name__ == "__main__":
    sys.exit(main())
