# skinfaq: the milia FAQ bot. Configured only by environment variables (see
# .env.example); the SQLite database lives on the /data volume.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SKINFAQ_DATABASE=/data/skinfaq.sqlite3 \
    MPLCONFIGDIR=/data/.matplotlib

# A fixed uid and gid, so that a host folder bind-mounted on /data can be handed to the bot
# with `chown 10001:10001`. The code stays root's: the bot writes only to /data.
RUN groupadd --gid 10001 skinfaq \
    && useradd --no-log-init --uid 10001 --gid 10001 --home-dir /app \
        --shell /usr/sbin/nologin skinfaq \
    && mkdir -p /app /data && chown 10001:10001 /data
WORKDIR /app

# Dependencies first, in their own cached layer: they change far less often than the code.
# Every package is pinned with its hashes (scripts/lock.sh makes the lock from
# pyproject.toml), so two builds install the same files, the build backend included.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY pyproject.toml README.md babel.cfg ./
COPY faq ./faq
COPY bot ./bot
COPY locales ./locales
# The project alone: its dependencies are installed, and so is setuptools, its build backend.
# Catalogs are compiled at build time; the bot uses a .mo unless its .po is newer.
RUN pip install --no-deps --no-build-isolation -e . \
    && pybabel compile -d locales -D messages \
    && skinfaq check

USER 10001:10001
VOLUME ["/data"]
# Webhook mode listens here when SKINFAQ_WEBHOOK_URL is set.
EXPOSE 8443
# Podman keeps this only with `podman build --format docker` (the OCI format has no health check).
HEALTHCHECK --interval=60s --timeout=10s --start-period=20s --retries=3 \
    CMD ["skinfaq", "health"]
CMD ["skinfaq", "bot"]
