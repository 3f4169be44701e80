"""The FAQ tree: complete in both languages, and every citation really in its source."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from faq.sources import DATA_DIR, DataError, Source, normalize_passage
from faq.tree import MAX_ANSWER_CHARS, check_tree, load_required_ids, load_tree


@pytest.fixture(scope="module")
def tree():
    return load_tree()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the data directory that a test may corrupt."""
    return Path(shutil.copytree(DATA_DIR, tmp_path / "data"))


def test_every_required_entry_exists(tree) -> None:
    required = load_required_ids()
    assert len(required) == 29
    assert [i for i in required if i not in tree.entries] == []


def test_check_finds_no_problem_in_the_shipped_tree() -> None:
    assert check_tree() == []


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_entry_is_complete_in_both_languages(tree, lang: str) -> None:
    for entry in tree.entries.values():
        assert entry.question[lang].strip(), entry.id
        assert 0 < len(entry.answer[lang]) <= MAX_ANSWER_CHARS, entry.id
        assert len(entry.phrasings[lang]) >= 5, entry.id
    for topic in tree.topics:
        assert topic.title[lang].strip()


def test_every_quote_occurs_in_its_source(tree) -> None:
    for entry in tree.entries.values():
        for citation in entry.citations:
            assert normalize_passage(citation.quote) in normalize_passage(citation.source.text)


def test_sources_carry_metadata(tree) -> None:
    assert len(tree.sources) == 5
    assert {s.lang for s in tree.sources.values()} == {"en", "id"}
    cited = {c.source.id for e in tree.entries.values() for c in e.citations}
    assert cited == set(tree.sources)
    # The two journal articles one of the medical Q&A pages cites.
    references = [r for s in tree.sources.values() for r in s.references]
    assert any("review and classification" in r for r in references)
    assert any("congenital milia in a family" in r for r in references)


def test_related_entries_exist(tree) -> None:
    for entry in tree.entries.values():
        assert entry.related, entry.id
        assert all(r in tree.entries and r != entry.id for r in entry.related)


def test_normalisation_covers_only_whitespace_and_quotes() -> None:
    source = Source("s", "t", None, "en", "f.txt", "known as \u201cmilk  spots\u201d here")
    assert source.contains('known as "milk spots"')
    assert not source.contains("known as milk spots")  # dropped quotes are a change
    assert not source.contains("Known as")  # case is not normalised


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_tampered_quote_is_refused_with_file_and_entry(data_copy: Path) -> None:
    _edit(
        data_copy / "tree" / "about.yaml",
        "Milia are harmless keratinous cysts",
        "Milia are dangerous keratinous cysts",
    )
    with pytest.raises(DataError) as caught:
        load_tree(data_copy)
    message = str(caught.value)
    assert "about.yaml" in message and "what-is-milia" in message
    assert "not in source" in message and re.search(r"line \d+", message)


def test_a_missing_language_is_refused(data_copy: Path) -> None:
    path = data_copy / "tree" / "about.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      id: Apa itu milia?\n", "", 1), encoding="utf-8")
    with pytest.raises(DataError, match="'question' has no 'id' text"):
        load_tree(data_copy)


def test_an_uncited_sentence_is_refused(data_copy: Path) -> None:
    _edit(data_copy / "tree" / "about.yaml", "They are harmless [3].", "They are harmless.")
    with pytest.raises(DataError, match="sentence with no citation"):
        load_tree(data_copy)


def test_a_citation_to_an_unknown_source_is_refused(data_copy: Path) -> None:
    _edit(data_copy / "tree" / "about.yaml", "source: milia-cysts", "source: no-such-source")
    with pytest.raises(DataError, match="unknown source 'no-such-source'"):
        load_tree(data_copy)


def test_check_lists_every_problem_not_just_the_first(data_copy: Path) -> None:
    _edit(data_copy / "tree" / "about.yaml", "They are harmless [3].", "They are harmless.")
    _edit(data_copy / "tree" / "doctor.yaml", "[1]", "[9]")
    problems = check_tree(data_copy)
    files = {Path(p.file).name for p in problems}
    assert {"about.yaml", "doctor.yaml"} <= files
