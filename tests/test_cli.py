"""The ``skinfaq`` command line: check, ask (and its JSON Lines contract), eval, tree."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from bot import cli
from faq import answer
from faq.sources import DATA_DIR

DEV_SET = Path(__file__).parent / "data" / "dev.jsonl"
# The JSON Lines contract, pinned here on purpose: evaluation tools rely on these fields.
CONTRACT_FIELDS = {"status", "entry_id", "suggestions", "lang", "safety", "confidence", "text",
                   "citations"}  # fmt: skip


def test_the_contract_is_the_one_the_code_declares() -> None:
    assert set(answer.CONTRACT_FIELDS) == CONTRACT_FIELDS


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_passes_on_the_shipped_data(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check")
    assert code == 0 and "29 entries" in out and "citations verified" in out


def test_check_fails_with_a_list_of_problems(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = Path(shutil.copytree(DATA_DIR, tmp_path / "data"))
    about = data / "tree" / "about.yaml"
    about.write_text(about.read_text().replace("3 mm or smaller", "2 mm or smaller"))
    code, _, err = run(capsys, "check", "--data-dir", str(data))
    assert code == 1
    assert "about.yaml, entry 'what-is-milia'" in err and "not in source" in err


def test_ask_prints_the_reply(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "what", "causes", "milia?")
    assert code == 0 and "Sources:" in out and "General information" in out


def test_ask_json_and_forced_language(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--json", "--lang", "id", "what causes milia?")
    data = json.loads(out)
    assert code == 0 and data["lang"] == "id" and set(data) >= CONTRACT_FIELDS


def test_ask_jsonl_contract(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        json.dumps({"q": "what causes milia", "id": 1, "extra": "ignored"}),
        "",
        json.dumps({"q": "milia nular ga"}),
        "not json",
        json.dumps({"q": "halo"}),
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = run(capsys, "ask", "--jsonl")
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1  # one input line was bad
    assert len(results) == 4  # one per non-blank input line, in order
    assert set(results[0]) >= CONTRACT_FIELDS and results[0]["status"] == "answered"
    assert results[1]["status"] == "unanswered"
    assert "error" in results[2] and results[2]["line"] == 4
    assert results[3]["status"] == "smalltalk"


def test_eval_prints_metrics_and_enforces_floors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", str(DEV_SET), "--min-accuracy", "0.5")
    assert code == 0
    for label in (
        "answer accuracy",
        "wrong answers",
        "correct refusal",
        "smalltalk handled",
        "safety recall",
        "false alarms",
    ):
        assert label in out
    code, _, err = run(capsys, "eval", str(DEV_SET), "--min-accuracy", "1.01")
    assert code == 1 and "below floor" in err


def test_eval_rejects_a_malformed_set(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"q": "ok"}\n{oops\n')
    code, _, err = run(capsys, "eval", str(bad))
    assert code == 2 and "line 2" in err


def test_tree_for_readers_and_tools(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "tree", "--lang", "id")
    assert code == 0 and "Apa itu milia?" in out
    code, out, _ = run(capsys, "tree", "--json")
    topics = json.loads(out)
    assert [t["id"] for t in topics][:2] == ["about", "causes"]
    assert sum(len(t["entries"]) for t in topics) == 29


def test_calibrate_words_only_keeps_the_model_of_an_encoder_it_did_not_load(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faq.confidence import LEXICAL, load_models

    monkeypatch.delenv("SKINFAQ_ENCODER", raising=False)
    data = Path(shutil.copytree(DATA_DIR, tmp_path / "data"))
    before = load_models(data)
    others = set(before) - {LEXICAL}
    assert others, "the shipped data has a model for an encoder"
    code, out, _ = run(capsys, "calibrate", str(DEV_SET), "--write", "--data-dir", str(data))
    assert code == 0
    after = load_models(data)
    assert set(after) == set(before)
    for name in others:
        assert after[name] == before[name] and f"kept {name}" in out
    assert after[LEXICAL].report["fitted_on"] != before[LEXICAL].report["fitted_on"]
