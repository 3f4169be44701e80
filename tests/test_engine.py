"""The engine: from a chat message to one of four outcomes, with the answer as data.

These tables are written for this suite (not copied from the evaluation sets).
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from pathlib import Path

import pytest

from faq.answer import CONTRACT_FIELDS
from faq.engine import PHRASING_WEIGHT, FaqEngine, _Index

ANSWERED = [
    # (message, expected reply language, acceptable entries)
    ("milia itu sebenarnya apa sih kak", "id", {"what-is-milia"}),
    ("what exactly are milia", "en", {"what-is-milia"}),
    ("kenapa milia bisa muncul?", "id", {"causes-overview"}),
    ("what causes milia", "en", {"causes-overview"}),
    # compared with milia, baby acne is a question the FAQ answers
    ("is this milia or baby acne?", "en", {"milia-vs-acne", "newborn-milia"}),
    ("apakah ini milia atau jerawat bayi?", "id", {"milia-vs-acne", "newborn-milia"}),
    # a nail used to pick is not a bump on a nail; "help with these" asks the FAQ
    ("can i pop milia with my fingernails?", "en", {"dont-pop-at-home"}),
    ("would salicylic acid help with these?", "en", {"treatment-exfoliating-acids"}),
    # "only babies?" asks who gets milia; one's own hand and the tools sold for it
    ("apa milia hanya pada bayi? aku umur 40an", "id", {"who-gets-milia"}),
    ("are milk spots just a baby thing? i'm in my thirties", "en", {"who-gets-milia"}),
    ("boleh ga milia diekstrak sendiri pakai pinset?", "id", {"dont-pop-at-home"}),
    ("is a comedone extractor ok to use on milia?", "en", {"dont-pop-at-home"}),
    # milia by their other names
    ("are milia seeds harmful?", "en", {"is-it-harmful"}),
    ("what are oil seeds on the face?", "en", {"what-is-milia"}),
    ("boleh ga milia dipencet pake jarum sendiri di rumah", "id", {"dont-pop-at-home"}),
    ("is it ok to squeeze milia at home", "en", {"dont-pop-at-home"}),
    ("milia bisa hilang sendiri ga", "id", {"does-it-go-away"}),
    ("do milia go away on their own", "en", {"does-it-go-away"}),
    ("cara mencegah milia muncul lagi", "id", {"prevention"}),
    ("how to prevent milia", "en", {"prevention"}),
    ("milia bisa dihilangkan dengan cryotherapy?", "id", {"treatment-cryotherapy"}),
    ("does retinol work on milia", "en", {"treatment-retinoids"}),
    ("is milia genetic or hereditary", "en", {"cause-genetics"}),
    ("salep kortikosteroid bisa bikin milia?", "id", {"cause-steroids"}),
    ("bayi baru lahir ada milia di hidung, normal ga?", "id", {"newborn-milia"}),
    ("kapan harus ke dokter kulit buat milia", "id", {"when-to-see-doctor"}),
    ("milia en plaque itu apa", "id", {"milia-en-plaque"}),
    ("bedanya milia sama komedo apa", "id", {"milia-vs-acne"}),
    # where the bumps are sets the scene; the question is what they are
    ("got some hard white dots near my nose, what could they be", "en", {"what-is-milia"}),
    ("ada bintik putih keras di pipi, ini apa ya", "id", {"what-is-milia"}),
    ("can you get milia on your chest", "en", {"locations"}),
    ("milia bisa muncul di leher ga?", "id", {"locations"}),
    # signs the message rules out say what it is not about
    ("ga sakit kok, cuma pengen tau cara ngilanginnya", "id", {"treatment-overview"}),
    ("does extraction hurt?", "en", {"treatment-extraction"}),
]

UNANSWERED = [
    "my dog has white bumps on his belly, is that milia?",
    "resep mpasi buat bayi 6 bulan dong",
    "apakah milia menular ke pasangan?",
    "is milia contagious",
    "berapa harga krim retinoid di apotek",
    "which brand of eye cream won't cause milia",
    "can milia become cancer",
    "pasta gigi bisa ngilangin milia ga",
    "milia pas hamil bahaya ga",
    "how do i treat eczema on my hands",
    "siapa presiden indonesia sekarang",
    "bedanya milia sama syringoma",
    # baby acne on its own, and the inside of the lip, are other conditions
    "jerawat bayi itu kenapa bisa muncul ya?",
    "how long does baby acne last",
    "ada bintil putih kecil di bagian dalam bibir, apa itu?",
    # blackheads alone, recovery after a procedure, where to find a good clinic
    "best way to clear blackheads on the chin?",
    "berapa lama masa pemulihan setelah laser milia?",
    "know a good dermatologist in surabaya for milia?",
]

SMALLTALK = [
    ("halo kak", "greeting"),
    ("good morning!", "greeting"),
    ("makasih banyak ya", "thanks"),
    ("thanks a lot", "thanks"),
    ("kamu siapa?", "identity"),
    ("are you a real person", "identity"),
    ("bisa bantu apa aja", "help"),
    ("bye", "bye"),
    ("is this an actual human replying?", "identity"),
    ("what else can you help with", "help"),
    ("oke deh, cabut dulu ya", "bye"),
    ("met sore kak", "greeting"),
    ("oalah gitu, noted kak", "ack"),
    ("got it, thx!", "thanks"),
    ("makasih kak, ternyata cuma milia biasa, lega deh", "thanks"),
    # laughter at any length, and "P", the chat way to call someone
    ("wkwkwkwk", "ack"),
    ("hahahaha oke", "ack"),
    ("LOL", "ack"),
    ("awokwokwok", "ack"),
    ("P", "greeting"),
    ("how are you?", "howareyou"),
    ("apa kabar kak, lagi sibuk?", "howareyou"),
    ("bisa pakai bahasa Sunda?", "language"),
    ("who made you?", "identity"),
    ("sorry for the spam earlier", "sorry"),
    ("cheers mate", "thanks"),
    # a statement with "is" asks nothing: thanks
    ("my baby is asleep now, thanks!", "thanks"),
    ("makasih, lega banget. tadinya kukira anakku kenapa2", "thanks"),
]


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine.load()


@pytest.mark.parametrize(("message", "lang", "entries"), ANSWERED)
def test_answers(engine: FaqEngine, message: str, lang: str, entries: set[str]) -> None:
    result = engine.ask(message)
    assert (result.status, result.lang) == ("answered", lang)
    assert result.entry_id in entries
    assert result.answer and result.citations and result.notices


@pytest.mark.parametrize("message", UNANSWERED)
def test_never_answers_what_the_sources_do_not_cover(engine: FaqEngine, message: str) -> None:
    assert engine.ask(message).status in {"unanswered", "suggest"}


@pytest.mark.parametrize(("message", "intent"), SMALLTALK)
def test_smalltalk(engine: FaqEngine, message: str, intent: str) -> None:
    result = engine.ask(message)
    assert (result.status, result.smalltalk) == ("smalltalk", intent)
    assert not result.citations


def test_after_a_change_of_topic_the_question_is_what_follows(engine: FaqEngine) -> None:
    result = engine.ask("aku lagi pusing urusan kantor, eh btw milia bisa hilang sendiri ga?")
    assert (result.status, result.entry_id) == ("answered", "does-it-go-away")


def test_a_question_after_a_greeting_is_answered(engine: FaqEngine) -> None:
    result = engine.ask("halo kak, milia bisa hilang sendiri ga?")
    assert (result.status, result.entry_id) == ("answered", "does-it-go-away")


def test_forced_language_wins(engine: FaqEngine) -> None:
    result = engine.ask("what causes milia", lang="id")
    assert result.lang == "id"
    assert result.answer == engine.tree.entries[result.entry_id].answer["id"]


def test_answer_carries_citations_notices_and_related(engine: FaqEngine) -> None:
    result = engine.ask("how do dermatologists extract milia with a needle")
    assert result.entry_id == "treatment-extraction"
    assert [c.number for c in result.citations] == list(range(1, len(result.citations) + 1))
    assert all(c.title and c.quote for c in result.citations)
    assert "General information, not a diagnosis." in result.notices
    assert any("professional" in n for n in result.notices)  # a treatment for professionals
    assert result.related and all(r.question for r in result.related)
    assert "[1]" in result.text and "Sources:" in result.text


def test_baby_answers_point_to_the_babys_doctor(engine: FaqEngine) -> None:
    result = engine.ask("bayi aku baru lahir ada bintik putih di hidung, perlu diobati ga?")
    assert result.entry_id == "newborn-milia"
    assert any("dokter" in n and "si kecil" in n for n in result.notices)


def test_warning_comes_first_with_emergency_numbers(engine: FaqEngine) -> None:
    result = engine.ask("abis pakai krim milia bibirku bengkak dan susah napas")
    assert result.safety == "emergency"
    assert result.text.startswith("\u26a0")
    assert "119" in result.text and "112" in result.text


def test_urgent_warning_keeps_the_answer(engine: FaqEngine) -> None:
    result = engine.ask("i popped a milia with a needle and now it's red and full of pus")
    assert result.safety == "urgent" and result.warning
    assert result.text.index(result.warning) < (result.text.find("\n") + 1 or len(result.text))


def test_suggest_offers_up_to_three_candidates(engine: FaqEngine) -> None:
    result = engine.ask("milia")
    assert result.status in {"suggest", "answered"}
    if result.status == "suggest":
        assert 1 <= len(result.suggestions) <= 3
        assert all(s.question for s in result.suggestions)


def test_attached_phrasing_is_used_at_once(engine: FaqEngine) -> None:
    message = "kalo digosok pake batu apung tiap mandi, bisa beres ga"
    before = engine.ask(message)
    assert before.status != "answered"  # the premise: the tree alone does not answer it
    fresh = FaqEngine.load()
    fresh.add_phrasing("treatment-overview", "id", message)
    after = fresh.ask(message)
    assert (after.status, after.entry_id) == ("answered", "treatment-overview")


def test_long_messages_are_matched_on_a_prefix(engine: FaqEngine) -> None:
    # 100,000 characters: matched on the start, where the question is.
    result = engine.ask("what causes milia? " + "blah " * 20000)
    assert (result.status, result.entry_id) == ("answered", "causes-overview")


@pytest.mark.parametrize("message", ["", "   ", "\u200b", "🙏", "?!", "\x00\x07"])
def test_empty_or_symbol_messages_do_not_crash(engine: FaqEngine, message: str) -> None:
    assert engine.ask(message).status in {"unanswered", "smalltalk"}


def test_result_is_json_ready(engine: FaqEngine) -> None:
    data = engine.ask("what causes milia").to_dict()
    json.dumps(data)
    assert set(CONTRACT_FIELDS) <= set(data)
    assert 0.0 <= data["confidence"] <= 1.0


def test_sources_line_names_each_document_once(engine: FaqEngine) -> None:
    result = engine.ask("milia bisa hilang sendiri ga?")
    line = engine.composer.sources_line(result.citations, result.lang)
    labels = {engine.tree.sources[c.source_id].label(result.lang) for c in result.citations}
    assert all(line.count(label) == 1 for label in labels)
    assert all(f"[{c.number}]" in line for c in result.citations)


def test_an_emergency_without_an_answer_is_only_the_warning(engine: FaqEngine) -> None:
    result = engine.ask("baby is limp and not breathing normally")
    assert (result.status, result.safety) == ("unanswered", "emergency")
    assert result.text == f"\u26a0\ufe0f {result.warning}"


# -- the index: its shortcuts give the scores of the plain definition ------------------


def _reference_rank(index: _Index, weights: dict[str, float]) -> dict[str, float]:
    """The score of every entry that shares a term with the message, computed as the
    docstring of ``_Index`` defines it, phrasing by phrasing."""
    query = {t: w * index.idf[t] for t, w in weights.items() if t in index.idf}
    q_norm = math.sqrt(sum(v * v for v in query.values()))
    scores = {}
    for entry, docs in index.docs.items():
        if not any(t in d for d in docs for t in query):
            continue
        closest = max(
            (
                sum(query[t] * index.idf[t] for t in d if t in query)
                / math.sqrt(sum(index.idf[t] ** 2 for t in d))
                for d in docs
            ),
            default=0.0,
        )
        counts = Counter(t for d in docs for t in d)
        centroid = {t: index.idf[t] * c / len(docs) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in centroid.values()))
        central = sum(v * centroid.get(t, 0.0) / norm for t, v in query.items())
        scores[entry] = (
            PHRASING_WEIGHT * closest / q_norm + (1 - PHRASING_WEIGHT) * central / q_norm
        )
    return scores


def _check_rank(index: _Index, weights: dict[str, float]) -> None:
    ranked = index.rank(weights)
    expected = _reference_rank(index, weights)
    assert {r.entry_id for r in ranked} == set(expected)
    for r in ranked:
        assert r.score == pytest.approx(expected[r.entry_id], rel=1e-9, abs=1e-12)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


def test_index_rank_matches_the_definition_on_the_tree(engine: FaqEngine) -> None:
    index = engine._index
    assert index.absent, "the tree has a term in most phrasings: the shortcut is exercised"
    messages = [
        json.loads(line)["q"]
        for path in sorted((Path(__file__).parent / "data").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    for message in messages:
        analysis = engine.analyzer.analyze(message)
        _check_rank(index, dict.fromkeys(analysis.terms, 1.0))


def test_index_rank_matches_the_definition_with_several_frequent_terms() -> None:
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(12)]
    docs = {
        f"entry-{e}": [
            frozenset(["common", "usual", *rng.sample(vocabulary, rng.randint(0, 3))])
            if rng.random() < 0.8
            else frozenset(rng.sample(vocabulary, rng.randint(1, 3)))
            for _ in range(rng.randint(1, 6))
        ]
        for e in range(8)
    }
    index = _Index(docs)
    assert {"common", "usual"} <= set(index.absent)
    for _ in range(300):
        terms = rng.sample([*vocabulary, "common", "usual", "unknown"], rng.randint(1, 5))
        _check_rank(index, {t: rng.choice((1.0, 0.4)) for t in terms})


@pytest.mark.parametrize(
    "message",
    [
        "aha toner for milia?",
        "huhu milia aku ga ilang2",
        "maaf mau tanya, milia bisa hilang sendiri?",
    ],
)
def test_words_that_only_look_like_small_talk_are_not(engine: FaqEngine, message: str) -> None:
    # AHA is an acid; "huhu" is a sigh; "maaf" opens a question: the question is real
    assert engine.ask(message).status != "smalltalk"


@pytest.mark.parametrize(
    "message",
    [
        "no pain or swelling, just want to know how to get rid of them",
        "no pain or swelling, just want to know how to remove milia",
    ],
)
def test_ruled_out_signs_leave_the_question_they_frame(engine: FaqEngine, message: str) -> None:
    # Answered or offered, the denied signs do not pull the question towards the entries
    # about them.
    result = engine.ask(message)
    assert result.status in {"answered", "suggest"}
    assert result.safety == "none"
    first = result.entry_id or result.suggestions[0].entry_id
    assert first == "treatment-overview"


@pytest.mark.parametrize(
    "message", ["this heatwave is killing me, literally melting", "hmm", "harga tiket konser mahal"]
)
def test_chat_that_asks_nothing_about_milia_is_answered_as_small_talk(
    engine: FaqEngine, message: str
) -> None:
    result = engine.ask(message)
    assert (result.status, result.smalltalk) == ("smalltalk", "chatter")


@pytest.mark.parametrize(
    "message",
    [
        "aku ada benjolan keras di leher?",  # asks
        "milia mahal banget ngilanginnya",  # about milia: kept for the review queue
        "bayiku bibirnya biru",  # a warning sign
    ],
)
def test_questions_milia_and_warnings_are_never_chatter(engine: FaqEngine, message: str) -> None:
    assert engine.ask(message).smalltalk != "chatter"
