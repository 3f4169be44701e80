"""Short source labels: checked at load time, and what keeps an answer's sources line short.

An answer names each document by its short label after the markers that point at it;
the full titles and publishers are in /about and behind the Sources button.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.render import render_result, render_sources
from faq.engine import FaqEngine
from faq.sources import DATA_DIR, LANGS, MAX_SHORT_LABEL, DataError, load_sources
from tests.test_render import plain

# The longest sources line of any entry, in characters, without the "Sources: " in front.
# With full titles and publishers it was 251 (a median of 186 in Indonesian).
MAX_SOURCES_LINE = 120


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine.load()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA_DIR, tmp_path / "data"))


def edit_sources(data_dir: Path, source_id: str, **changes: object) -> None:
    """Change (or, with None, remove) fields of one source in a copy of sources.yaml."""
    path = data_dir / "sources.yaml"
    sources = yaml.safe_load(path.read_text(encoding="utf-8"))
    [item] = [s for s in sources if s["id"] == source_id]
    for key, value in changes.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    path.write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")


# -- the data -------------------------------------------------------------------------------


def test_every_source_has_a_distinct_short_label_in_each_language() -> None:
    sources = load_sources()
    for lang in LANGS:
        labels = [s.short[lang] for s in sources.values()]
        assert all(0 < len(label) <= MAX_SHORT_LABEL for label in labels)
        assert len({label.casefold() for label in labels}) == len(labels)
        for s in sources.values():
            assert s.label(lang) == s.short[lang]
            assert len(s.short[lang]) < len(s.title) or s.short[lang] == s.title


@pytest.mark.parametrize(
    ("short", "message"),
    [
        (None, "field 'short' must map each of ('en', 'id') to a label"),
        ("Milia cysts", "field 'short' must map each of ('en', 'id') to a label"),
        ({"en": "Milia cysts"}, "field 'short' needs a non-empty 'id' label"),
        ({"en": "Milia cysts", "id": "  "}, "field 'short' needs a non-empty 'id' label"),
        ({"en": "Milia cysts", "id": 3}, "field 'short' needs a non-empty 'id' label"),
        ({"en": "x" * 29, "id": "Kista"}, "short 'en' label 'xxxxx"),
        ({"en": "a", "id": "b", "fr": "c"}, "field 'short' has unknown languages ['fr']"),
        ({"en": "Dr.Oracle: CAUSES", "id": "b"}, "is also the label of 'droracle-causes'"),
    ],
)
def test_a_bad_short_label_is_refused_naming_file_and_source(
    data_copy: Path, short: object, message: str
) -> None:
    edit_sources(data_copy, "milia-cysts", short=short)
    with pytest.raises(DataError, match=r"^sources\.yaml") as caught:
        load_sources(data_copy)
    assert message in str(caught.value)
    assert caught.value.entry == "milia-cysts"


def test_the_check_command_reports_a_missing_label(data_copy: Path) -> None:
    from faq.tree import check_tree

    edit_sources(data_copy, "droracle-causes", short={"en": "Dr.Oracle: causes"})
    [problem] = check_tree(data_copy)
    assert "droracle-causes" in str(problem) and "'id' label" in str(problem)


# -- the sources line -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_sources_line_is_short_and_keeps_every_citation_number(
    engine: FaqEngine, lang: str
) -> None:
    for entry_id in engine.tree.entries:
        result = engine.answer_entry(entry_id, lang)
        line = engine.composer.sources_line(result.citations, lang)
        assert len(line) <= MAX_SOURCES_LINE, (entry_id, line)
        for citation in result.citations:
            assert line.count(f"[{citation.number}]") == 1, (entry_id, citation.number)
        for source_id in {c.source_id for c in result.citations}:
            assert line.count(engine.tree.sources[source_id].short[lang]) == 1
        text = plain(render_result(result, engine).text)
        assert f"\n\n{engine.composer.reply('sources', lang)}: {line}\n\n" in text


def test_an_answer_cites_by_label_and_no_longer_repeats_publisher_not_named(
    engine: FaqEngine,
) -> None:
    entry_id = "what-is-milia"
    assert sum(c.source.publisher is None for c in engine.tree.entries[entry_id].citations) >= 2
    for lang in LANGS:
        result = engine.answer_entry(entry_id, lang)
        text = plain(render_result(result, engine).text)
        unknown = engine.composer.reply("publisher_unknown", lang)
        assert unknown not in text
        for citation in result.citations:
            assert citation.title not in text  # full titles are behind the Sources button
        # ...where every quote keeps its number, full title and publisher.
        full = plain(render_sources(result, engine).text)
        for citation in result.citations:
            assert f"[{citation.number}] {citation.title}" in full
            assert citation.quote in full
        assert f"({unknown})" in full


def test_the_typical_indonesian_answer_got_shorter(engine: FaqEngine) -> None:
    # The answer this change was measured on: its sources line was 175 characters (73 now).
    result = engine.ask("apa itu milia", lang="id")
    assert result.entry_id == "what-is-milia"
    line = engine.composer.sources_line(result.citations, "id")
    assert line == "[1][2] Dr.Oracle: milk spot; [3] Kista milia; [4] Definisi & pengangkatan"
