"""Telegram handlers, one module per feature; :func:`bot.app.register_handlers` wires them.

- :mod:`~bot.handlers.commands`: /start, /help, /topics, /about, unknown commands
- :mod:`~bot.handlers.account`: /language, /privacy, /forget and their buttons
- :mod:`~bot.handlers.browse`: topic menu, answers, picks, sources and feedback buttons
- :mod:`~bot.handlers.questions`: free-text questions
- :mod:`~bot.handlers.media`: photos and other messages that are not text
- :mod:`~bot.handlers.errors`: the error handler
- :mod:`~bot.handlers.admin`: admin and review commands
"""
