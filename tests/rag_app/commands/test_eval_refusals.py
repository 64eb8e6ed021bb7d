"""`rag-eval --answers --refusal-bank`: refusals by kind, the gate's and the model's apart, on any knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag_app.commands.eval import load_qa, main, run_eval
from rag_app.gate import load_bank
from rag_app.settings import Settings

pytestmark = pytest.mark.slow

QA = [
    {"id": "stove", "question": "How do I clean the burner of my stove?", "source": "stove_en.md",
     "section": "Cleaning the burner"},
    {"id": "tent", "question": "帐篷上的树汁怎么去掉？", "source": "tent_zh.md", "section": "去除树汁"},
    {"id": "kettle", "question": "How do I descale my kettle?", "source": None, "kind": "near-domain"},
]


def test_refusal_bank_adds_held_back_and_leave_one_guide_out_questions(tmp_path: Path, small_guides: Path) -> None:
    qa_file = tmp_path / "qa.jsonl"
    qa_file.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in QA), encoding="utf-8")
    report = tmp_path / "report.jsonl"
    settings = Settings(_env_file=None, embedding_cache_dir=tmp_path / "cache")

    summary = run_eval(small_guides, load_qa(qa_file), 3, settings, answers=True, report=report, refusal_bank=True)

    held_back = load_bank("heldout")
    by_kind = summary["refusals_by_kind"]
    assert list(by_kind) == ["answerable", "near-domain", "off-topic", "injection"]
    assert by_kind["answerable"]["n"] == 2
    assert by_kind["injection"]["n"] == sum(q.kind == "injection" for q in held_back)
    assert by_kind["injection"]["accuracy"] == 1.0
    assert summary["refusals_by_set"]["bank"]["n"] == len(held_back)
    assert summary["refusals_by_set"]["leave-one-guide-out"]["n"] == 2  # each guide's question, without it
    assert summary["llm_refusals"] == 0  # extractive mode: every refusal is the gate's
    assert set(summary["gate"]["thresholds"]) == {"en", "zh", "zh>en", "en>zh"}  # Chinese and English guides
    assert summary["gate"]["origin"] == "calibrated"
    assert summary["hit@k"] == 1.0  # retrieval is scored on the QA file's questions only

    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(QA) + len(held_back) + 2
    kettle = next(line for line in lines if line["id"] == "kettle")
    assert kettle["kind"] == "near-domain" and kettle["set"] == "qa"
    assert summary["gate_refusals"] == sum(line["refused"] for line in lines)
    for line in lines:
        assert line["refused_by"] == ("gate" if line["refused"] else None)
        assert "reason" in line["gate"]


def test_refusal_bank_needs_answers(tmp_path: Path, small_guides: Path, capsys: pytest.CaptureFixture[str]) -> None:
    qa_file = tmp_path / "qa.jsonl"
    qa_file.write_text(json.dumps(QA[0]) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["--docs", str(small_guides), "--qa", str(qa_file), "--refusal-bank"])
    assert "--answers" in capsys.readouterr().err
