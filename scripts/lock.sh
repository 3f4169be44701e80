#!/usr/bin/env bash
# Regenerate requirements.lock from pyproject.toml: the runtime dependencies and the build
# backend (the Dockerfile installs the project with it), every one pinned with its hashes.
# The resolution is for the image's platform, CPython 3.11 on Linux x86_64 (the base image
# python:3.11-slim-bookworm has glibc 2.36), whichever machine runs this, and the resolver
# is pinned, so the same inputs give the same file. Needs python3 (3.11 or later) and PyPI.
#
#   scripts/lock.sh                           keep the pins, add or drop what pyproject changed
#   scripts/lock.sh --upgrade                 every pin to the newest version allowed
#   scripts/lock.sh --upgrade-package NAME    only NAME (and what it needs)
#
# tests/test_lock.py fails when the lock and pyproject.toml disagree.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8

uv=uv
if ! command -v uv >/dev/null || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    tool="${XDG_CACHE_HOME:-$HOME/.cache}/skinfaq/uv-$UV_VERSION"
    if [ ! -x "$tool/bin/uv" ]; then
        python3 -m venv "$tool"
        "$tool/bin/python" -m pip install --quiet "uv==$UV_VERSION"
    fi
    uv="$tool/bin/uv"
fi

# The build backend is not a dependency of the project, so pyproject's [build-system]
# requires are passed on standard input.
python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))' |
    "$uv" pip compile --quiet --no-config pyproject.toml - \
        --generate-hashes \
        --python-version 3.11 \
        --python-platform x86_64-manylinux_2_36 \
        --custom-compile-command "scripts/lock.sh" \
        --output-file requirements.lock \
        "$@"
echo "wrote requirements.lock ($(grep -c '^[a-z0-9]' requirements.lock) packages)"
