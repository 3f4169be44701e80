# skinfaq: the milia FAQ bot. Configured only by environment variables (see
# .env.example); the SQLite database lives on the /data volume.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SKINFAQ_DATABASE=/data/skinfaq.sqlite3

RUN groupadd --system skinfaq && useradd --system --gid skinfaq --home-dir /app skinfaq \
    && mkdir -p /app /data && chown skinfaq:skinfaq /data
WORKDIR /app

# Dependencies first, in their own cached layer: they change far less often than the code.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt

COPY README.md ./
COPY faq ./faq
COPY bot ./bot
COPY locales ./locales
COPY babel.cfg ./
# Catalogs are compiled at build time; the bot uses a .mo unless its .po is newer.
RUN pip install --no-deps -e . \
    && pybabel compile -d locales -D messages \
    && skinfaq check

USER skinfaq
VOLUME ["/data"]
# Webhook mode listens here when SKINFAQ_WEBHOOK_URL is set.
EXPOSE 8443
HEALTHCHECK --interval=60s --timeout=10s --start-period=20s --retries=3 \
    CMD ["skinfaq", "health"]
CMD ["skinfaq", "bot"]
