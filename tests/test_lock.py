"""requirements.lock agrees with pyproject.toml: what the image installs is what it declares.

No network: the lock is read as text, pyproject.toml with tomllib, and the packages an
extra brings from the installed distribution's metadata.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
REGENERATE = "Regenerate it with: scripts/lock.sh (README, Deployment)"
HASH = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass
class Pin:
    """One package of the lock: ``name==version``, its hashes and what pulled it in."""

    name: NormalizedName
    version: Version
    hashes: list[str] = field(default_factory=list)
    via: set[str] = field(default_factory=set)


def read_lock(text: str) -> dict[NormalizedName, Pin]:
    """The pins of a ``pip-compile``/``uv pip compile`` file with hashes and annotations."""
    pins: dict[NormalizedName, Pin] = {}
    current: Pin | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip().removesuffix("\\").strip()
        if not stripped or (current is None and stripped.startswith("#")):
            continue
        if not line[0].isspace():
            requirement = Requirement(stripped)
            [*specs] = requirement.specifier
            if len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
                raise AssertionError(f"line {number}: {stripped!r} is not pinned with ==")
            current = Pin(canonicalize_name(requirement.name), Version(specs[0].version))
            assert current.name not in pins, f"line {number}: {current.name} pinned twice"
            pins[current.name] = current
        elif current is None:
            raise AssertionError(f"line {number}: {stripped!r} belongs to no package")
        elif stripped.startswith("--hash="):
            current.hashes.append(stripped.removeprefix("--hash="))
        elif stripped.startswith("#"):
            comment = stripped.removeprefix("#").strip()  # "via NAME", "via", or "  NAME"
            if comment != "via":
                current.via.add(comment.removeprefix("via ").strip())
        else:
            raise AssertionError(f"line {number}: unexpected {stripped!r}")
    return pins


def image_python() -> str:
    """The full Python version of the Dockerfile's base image, e.g. ``3.11.11``."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    found = re.search(r"^FROM python:(\d+\.\d+\.\d+)-slim", text, re.MULTILINE)
    assert found, "the Dockerfile's base is no longer python:X.Y.Z-slim"
    return found[1]


def target_environment(extra: str = "") -> dict[str, str]:
    """Marker values of the image: CPython on Linux x86_64."""
    full = image_python()
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": "posix",
        "platform_machine": "x86_64",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": full,
        "python_version": ".".join(full.split(".")[:2]),
        "sys_platform": "linux",
        "extra": extra,
    }


def applies(requirement: Requirement, extra: str = "") -> bool:
    marker = requirement.marker
    return marker is None or marker.evaluate(target_environment(extra))


def pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def runtime_requirements() -> list[Requirement]:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    return [r for r in map(Requirement, project["dependencies"]) if applies(r)]


def build_requirements() -> list[Requirement]:
    build = pyproject()["build-system"]
    assert isinstance(build, dict)
    return [r for r in map(Requirement, build["requires"]) if applies(r)]


def extra_requirements(requirement: Requirement) -> list[Requirement]:
    """What ``name[extra,...]`` adds, from the installed distribution's metadata."""
    try:
        declared = metadata.requires(requirement.name) or []
    except metadata.PackageNotFoundError:
        pytest.fail(f"{requirement.name} is not installed: pip install -e '.[dev]' first")
    brought = []
    for text in declared:
        needed = Requirement(text)
        if needed.marker is None or "extra" not in str(needed.marker):
            continue
        if any(applies(needed, extra) for extra in requirement.extras):
            brought.append(needed)
    return brought


def disagreements(
    pins: dict[NormalizedName, Pin], runtime: list[Requirement], build: list[Requirement]
) -> list[str]:
    """Every way the lock fails the requirements, as lines for the failure message."""
    problems = []

    def check(requirement: Requirement, why: str) -> None:
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement.name} ({why}) is not in the lock")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{pin.name}=={pin.version} does not meet {requirement} ({why})")

    for requirement in runtime:
        check(requirement, "a dependency")
        if not requirement.extras:
            continue
        pin = pins.get(canonicalize_name(requirement.name))
        # The installed metadata tells what an extra brings. Its version specifiers hold
        # only if the installed version is the locked one; the names hold anyway.
        same = pin is not None and str(pin.version) == metadata.version(requirement.name)
        why = f"for {requirement.name}[{','.join(sorted(requirement.extras))}]"
        for needed in extra_requirements(requirement):
            if same:
                check(needed, why)
            elif canonicalize_name(needed.name) not in pins:
                problems.append(f"{needed.name} ({why}) is not in the lock")
    for requirement in build:
        check(requirement, "the build backend")

    # Whatever no requirement pulls in any more is stale: walk the "# via" annotations.
    reachable = {canonicalize_name(r.name) for r in runtime + build} & pins.keys()
    grew = True
    while grew:
        found = {
            pin.name
            for pin in pins.values()
            if pin.name not in reachable
            and any(canonicalize_name(parent) in reachable for parent in pin.via)
        }
        reachable |= found
        grew = bool(found)
    problems += [
        f"{name} is pinned but nothing needs it" for name in sorted(pins.keys() - reachable)
    ]
    return problems


@pytest.fixture(scope="module")
def pins() -> dict[NormalizedName, Pin]:
    assert LOCK.is_file(), f"requirements.lock is missing. {REGENERATE}"
    return read_lock(LOCK.read_text(encoding="utf-8"))


def test_the_lock_agrees_with_pyproject(pins: dict[NormalizedName, Pin]) -> None:
    problems = disagreements(pins, runtime_requirements(), build_requirements())
    assert not problems, (
        "requirements.lock does not match pyproject.toml:\n  "
        + "\n  ".join(problems)
        + f"\n{REGENERATE}"
    )


def test_every_pin_has_hashes(pins: dict[NormalizedName, Pin]) -> None:
    unhashed = [name for name, pin in pins.items() if not pin.hashes]
    malformed = [h for pin in pins.values() for h in pin.hashes if not HASH.fullmatch(h)]
    assert not unhashed and not malformed, f"{unhashed or malformed}. {REGENERATE}"


def test_the_lock_was_made_by_the_script_for_the_image_python() -> None:
    header = LOCK.read_text(encoding="utf-8").splitlines()[:2]
    assert header[1].strip("# ") == "scripts/lock.sh", f"made by hand? {REGENERATE}"
    script = (ROOT / "scripts" / "lock.sh").read_text(encoding="utf-8")
    minor = ".".join(image_python().split(".")[:2])
    assert f"--python-version {minor}" in script, "the lock resolves for another Python"
    assert "--generate-hashes" in script


# -- the checks themselves catch what they are for ---------------------------------------

SAMPLE = """\
# This file was autogenerated by uv via the following command:
#    scripts/lock.sh
anyio==4.0.0 \\
    --hash=sha256:{h}
    # via httpx
httpx==0.28.1 \\
    --hash=sha256:{h}
    # via
    #   skinfaq (pyproject.toml)
    #   other
orphan==1.0 \\
    --hash=sha256:{h}
    # via gone
""".format(h="0" * 64)


def test_reading_a_lock() -> None:
    pins = read_lock(SAMPLE)
    assert list(pins) == ["anyio", "httpx", "orphan"]
    assert pins["httpx"].via == {"skinfaq (pyproject.toml)", "other"}
    assert pins["anyio"].version == Version("4.0.0") and pins["anyio"].hashes == [
        "sha256:" + "0" * 64
    ]
    with pytest.raises(AssertionError, match="not pinned"):
        read_lock("anyio>=4\n")


def test_a_missing_stale_or_disallowed_pin_is_reported() -> None:
    ptb = metadata.version("python-telegram-bot")
    pins = read_lock(SAMPLE)  # anyio via httpx, httpx via the project, orphan via "gone"
    pins[canonicalize_name("python-telegram-bot")] = Pin(
        canonicalize_name("python-telegram-bot"), Version(ptb), ["sha256:" + "0" * 64]
    )
    runtime = [
        Requirement("httpx>=1.0"),
        Requirement("python-telegram-bot[webhooks]>=22"),
        Requirement("rapidfuzz>=3"),
    ]
    problems = disagreements(pins, runtime, [Requirement("setuptools>=77")])
    assert problems == [
        "httpx==0.28.1 does not meet httpx>=1.0 (a dependency)",
        "tornado (for python-telegram-bot[webhooks]) is not in the lock",
        "rapidfuzz (a dependency) is not in the lock",
        "setuptools (the build backend) is not in the lock",
        "orphan is pinned but nothing needs it",
    ]
    # The same pins meet requirements that fit them, the stale one aside.
    fitting = [Requirement("httpx<1"), Requirement("python-telegram-bot")]
    assert disagreements(pins, fitting, []) == ["orphan is pinned but nothing needs it"]
