"""The Dockerfile has the properties a deployment relies on (no engine runs here to build it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)  # join continued lines
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def values(keyword: str) -> list[str]:
    return [rest for k, rest in instructions() if k == keyword]


def test_base_image_is_slim_python_pinned_by_version() -> None:
    [base] = values("FROM")
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", base), base


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    steps = instructions()
    first_install = next(i for i, (k, r) in enumerate(steps) if k == "RUN" and "pip install" in r)
    first_code = next(i for i, (k, r) in enumerate(steps) if k == "COPY" and r.startswith("faq"))
    copied_before = [r for k, r in steps[:first_install] if k == "COPY"]
    assert first_install < first_code
    # Only the dependency list: an edit of the README or the code keeps the cached layer.
    assert copied_before == ["pyproject.toml ./"]


def test_catalogs_are_compiled_and_data_checked_at_build() -> None:
    runs = " ".join(values("RUN"))
    assert "pybabel compile" in runs and "skinfaq check" in runs


def test_runs_as_a_non_root_user_with_data_on_a_volume() -> None:
    [user] = values("USER")
    assert user not in {"root", "0"}
    assert any("/data" in v for v in values("VOLUME"))
    env = " ".join(values("ENV"))
    assert "SKINFAQ_DATABASE=/data/" in env


def test_default_command_and_health_check() -> None:
    assert values("CMD")[-1] == '["skinfaq", "bot"]'
    [health] = values("HEALTHCHECK")
    assert "skinfaq" in health and "CMD" in health


def test_configured_only_by_environment() -> None:
    # No secrets or settings baked in: no token, no .env copied into the image.
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "TELEGRAM_BOT_TOKEN" not in text
    assert not any(".env" in v for v in values("COPY"))
