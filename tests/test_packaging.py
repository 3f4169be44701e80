"""What a wheel of the project ships: every package, the FAQ data and the catalogs.

An editable install (the README's) reads everything from the checkout, so a file left out
of the package data would only break installs from a wheel, far from here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]


def _source_dir(package: str) -> Path:
    mapped = SETUPTOOLS.get("package-dir", {}).get(package)
    return ROOT / (mapped or package.replace(".", "/"))


def _packaged(package: str) -> set[Path]:
    where = _source_dir(package)
    return {f for pattern in SETUPTOOLS["package-data"][package] for f in where.glob(pattern)}


def test_every_python_package_is_listed() -> None:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("faq", "bot")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert set(SETUPTOOLS["packages"]) == found | {"bot.locales"}


def test_every_data_file_of_the_core_is_packaged() -> None:
    data = {f for f in (ROOT / "faq" / "data").rglob("*") if f.is_file() and f.name != "README.md"}
    assert data and data <= _packaged("faq"), sorted(map(str, data - _packaged("faq")))


def test_the_catalogs_are_packaged_with_the_bot() -> None:
    catalogs = {f for f in (ROOT / "locales").rglob("*") if f.suffix in (".po", ".pot")}
    assert catalogs and catalogs <= _packaged("bot.locales")
