"""The Dockerfile has the properties a deployment relies on (no engine runs here to build it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
UID = 10001


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
    # Only the lock: an edit of the README, the code or pyproject's other tables keeps the
    # cached layer.
    assert copied_before == ["requirements.lock ./"]


def test_dependencies_come_from_the_lock_with_hashes_and_the_project_alone() -> None:
    installs = [r for k, r in instructions() if k == "RUN" and "pip install" in r]
    assert "pip install --require-hashes -r requirements.lock" in installs[0]
    [project] = [r for r in installs[1:] if " -e ." in r or r.endswith(" .")]
    # Nothing unpinned: no dependency resolved again, no build backend fetched unchecked.
    assert "--no-deps" in project and "--no-build-isolation" in project
    assert all("-r " not in r or "requirements.lock" in r for r in installs)


def test_fixed_numeric_uid_and_gid() -> None:
    [user] = values("USER")
    assert user == f"{UID}:{UID}"
    runs = " ".join(values("RUN"))
    assert f"groupadd --gid {UID} " in runs
    assert re.search(rf"useradd .*--uid {UID} --gid {UID} ", runs)
    assert f"chown {UID}:{UID} /data" in runs


def test_readme_tells_the_uid_to_chown_a_bind_mount_to_and_the_podman_format() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"sudo chown {UID}:{UID} ./data" in readme
    assert '-v "$PWD/data:/data"' in readme
    assert "podman build --format docker" in readme


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


# -- the build context -----------------------------------------------------------------


def ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """``.dockerignore`` as (negated, regex) pairs, with Docker's meaning of * and **."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        glob = line.removeprefix("!").strip("/")
        regex = ""
        i = 0
        while i < len(glob):
            if glob.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif glob.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif glob[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif glob[i] == "?":
                regex, i = regex + "[^/]", i + 1
            elif glob[i] == "[":
                end = glob.index("]", i)
                regex, i = regex + glob[i : end + 1], end + 1
            else:
                regex, i = regex + re.escape(glob[i]), i + 1
        patterns.append((negated, re.compile(regex)))
    return patterns


def ignored(path: str) -> bool:
    """Whether Docker leaves ``path`` out of the context: the last pattern that matches it,
    or one of its folders, decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    verdict = False
    for negated, pattern in ignore_patterns():
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            verdict = not negated
    return verdict


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".env",
        ".env.production",
        "tests/test_dockerfile.py",
        "data/skinfaq.sqlite3",
        "data/skinfaq.sqlite3.key",
        "skinfaq.sqlite3-wal",
        ".venv/bin/python",
        "venv/bin/python",
        "bot/__pycache__/app.cpython-311.pyc",
        "faq/engine.pyc",
        ".pytest_cache/v/cache/nodeids",
        ".mypy_cache/3.11/bot.json",
        ".ruff_cache/0.6.0/123",
        ".hypothesis/examples/x",
        "bench/results/bench_bot.json",
    ],
)
def test_dockerignore_leaves_out(path: str) -> None:
    assert ignored(path)


def test_every_file_the_image_copies_is_in_the_context() -> None:
    sources = [src for rest in values("COPY") for src in rest.split()[:-1]]
    assert {"requirements.lock", "pyproject.toml", "faq", "bot", "locales"} <= set(sources)
    for source in sources:
        path = ROOT / source
        assert path.exists(), source
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            if "__pycache__" not in relative:
                assert not ignored(relative), relative


def test_the_matcher_follows_docker() -> None:
    assert not ignored("bot/app.py") and not ignored("README.md")
    assert ignored("bot/__pycache__") and ignored("data")
