"""``python -m bot``: run the Telegram bot (the same as ``skinfaq bot``)."""

from bot.run import main

raise SystemExit(main())
