"""Normalisation of chat text: folding, slang, reduplication, stems, concepts, language."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.sources import DATA_DIR, DataError
from faq.text import Analyzer, Lexicon, fold, split_words
from faq.tree import load_tree


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(Lexicon.load())


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("Bintik2 putih", ["bintik", "putih"]),
        ("bintik-bintik", ["bintik"]),
        ("milia-an", ["milia"]),
        ("bangettt", ["banget"]),
        ("MÍLIA\u200b!!", ["milia"]),
        ("nyut2an", ["nyut", "nyutan"]),
        ("don't", ["dont"]),
        ("gak dikasih apa2", ["gak", "dikasih", "apapun"]),
    ],
)
def test_split_words_undoes_chat_spelling(raw: str, words: list[str]) -> None:
    assert split_words(fold(raw)) == words


@pytest.mark.parametrize(
    ("digits", "hyphen"),
    [("nyut2an", "nyut-nyutan"), ("ngos2an", "ngos-ngosan"), ("bintik2", "bintik-bintik"),
     ("apa2", "apa-apa"), ("siapa2", "siapa-siapa")],
)  # fmt: skip
def test_both_spellings_of_a_reduplicated_word_are_the_same_words(digits: str, hyphen: str) -> None:
    assert split_words(digits) == split_words(hyphen)


def test_fold_removes_control_and_zero_width_characters() -> None:
    assert fold("mi\u200blia\u202e\x07") == "milia "


@pytest.mark.parametrize(
    ("message", "concepts"),
    [
        ("gmn cara ngilangin mila", {"@remove", "@milia"}),
        ("millia bisa dibekukan pake nitrogen cair?", {"@milia", "@freeze"}),
        ("can milea be frozen off", {"@milia", "@freeze"}),
        ("bayiku ada bintik putih di idung", {"@baby", "@whitebump", "@face"}),
        ("jerawat putih", {"@acne", "@whitebump"}),
        ("milia nular ga", {"@milia", "@x-contagion"}),
        ("berapa lama milia hilang", {"@goaway", "@milia"}),
        ("harganya berapa", {"@x-price"}),
        ("dermatolgist", {"@doctor"}),  # a typo, corrected against the vocabulary
    ],
)
def test_concepts_are_shared_across_languages_and_spellings(
    analyzer: Analyzer, message: str, concepts: set[str]
) -> None:
    assert concepts <= analyzer.analyze(message).concepts


def test_affixed_indonesian_stems_do_not_borrow_a_concept(analyzer: Analyzer) -> None:
    # "kelainan" (disorder) stems to "lain" (other): "tempat lain" is not a disease.
    assert "@disease" in analyzer.analyze("kelainan kulit").concepts
    assert "@disease" not in analyzer.analyze("di tempat lain").concepts


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("milia tuh apa", "id"),
        ("gmn cara ngilangin milia", "id"),
        ("cara prevent milia gmn", "id"),
        ("skincare yg oily bisa bikin milia ga", "id"),
        ("what causes milia", "en"),
        ("can i pop them myself", "en"),
        ("is milia dangerous for babies", "en"),
        ("penyebab milia pada orang dewasa", "id"),
    ],
)
def test_language_detection(analyzer: Analyzer, message: str, lang: str) -> None:
    assert analyzer.analyze(message).lang == lang


def test_language_of_the_trees_phrasings(analyzer: Analyzer) -> None:
    # A floor for the word markers and Lingua together (97.5% when it was set).
    tree = load_tree(DATA_DIR)
    phrasings = [
        (text, lang)
        for entry in tree.entries.values()
        for lang in ("en", "id")
        for text in (entry.question[lang], *entry.phrasings[lang])
    ]
    right = sum(analyzer.analyze(text).lang == lang for text, lang in phrasings)
    assert right / len(phrasings) >= 0.97


def test_no_letters_means_no_language(analyzer: Analyzer) -> None:
    assert analyzer.analyze("🙏🙏 123").lang is None


def test_context_concepts_must_be_concepts(tmp_path: Path) -> None:
    lexicon = (DATA_DIR / "lexicon.yaml").read_text(encoding="utf-8")
    (tmp_path / "lexicon.yaml").write_text(
        lexicon.replace('context: ["@face", "@body"]', 'context: ["@face", "@elbow"]'),
        encoding="utf-8",
    )
    (tmp_path / "out-of-scope.yaml").write_text("always: {}\n", encoding="utf-8")
    with pytest.raises(DataError, match="context names unknown concepts: \\['@elbow'\\]"):
        Lexicon.load(tmp_path)


@pytest.mark.parametrize(
    ("text", "concept", "present"),
    [
        ("how long do milia last", "@goaway", True),
        ("started a new cream last month", "@goaway", False),
        ("is there a certain age group", "@cluster", False),
        ("a cluster of milia on my eyelid", "@cluster", True),
        ("im 40 and have a bunch", "@cluster", False),
        ("what exactly is milia", "@what", True),
        ("itu sejenis kista ya", "@type", False),
    ],
)
def test_concepts_follow_the_sense_of_a_word(
    analyzer: Analyzer, text: str, concept: str, present: bool
) -> None:
    assert (concept in analyzer.analyze(text).concepts) is present
