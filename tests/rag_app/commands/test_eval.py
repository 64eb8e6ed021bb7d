"""rag-eval's answer metrics: the gold answer's trigrams in the produced answer, and the other way round."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag_app.commands.eval import answer_overlap, load_qa, quoted_text, run_eval
from rag_app.settings import Settings


def test_quoted_text_drops_citations_the_label_and_the_notice() -> None:
    answer = ("Quoted from the guides:\n- Unplug the stove first. [1]\n"
              "The language model is unavailable (timeout); showing the most relevant passages instead.")
    assert quoted_text(answer).split() == ["-", "Unplug", "the", "stove", "first."]
    assert quoted_text("以下内容摘自指南：\n- 先关机。[2]").split() == ["-", "先关机。"]


def test_answer_overlap_is_coverage_of_the_gold_and_precision_of_the_answer() -> None:
    gold = "Unplug the stove first."
    assert answer_overlap(gold, "Quoted from the guides:\n- Unplug the stove first. [1]") == (1.0, 1.0)
    coverage, precision = answer_overlap(gold, "- Unplug the stove first. Then wash the pot supports. [1]")
    assert coverage == 1.0 and 0.3 < precision < 0.6  # the extra sentence is not in the gold answer
    coverage, precision = answer_overlap("Unplug the stove first, then let it cool for ten minutes.",
                                         "- Unplug the stove first. [1]")
    assert 0.3 < coverage < 0.6 and precision == 1.0
    # Normalised as for hits: punctuation, spaces and entities do not count.
    assert answer_overlap("40 °C &amp; dry", "40°C & dry!") == (1.0, 1.0)
    assert answer_overlap("先关机", "") == (0.0, 0.0)


@pytest.mark.slow
def test_eval_with_answers_reports_answer_coverage_and_precision(small_guides: Path, tmp_path: Path) -> None:
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in [
        {"id": "stove", "question": "How do I clean the stove burner?", "source": "stove_en.md",
         "section": "Cleaning the burner",
         "answer": "Let the stove cool for at least 10 minutes. Remove the burner cap and brush soot off with a "
                   "soft brass brush. Never clean the stove while it is connected to a gas canister."},
        {"id": "tent", "question": "帐篷上的污渍怎么清洁？", "source": "tent_zh.md", "section": "去除污渍",
         "answer": "用软毛刷刷掉干燥的泥土，再用温水和中性皂液轻轻擦洗污渍。"},
        {"id": "none", "question": "Who won the 2018 FIFA World Cup?", "source": None},
    ]) + "\n", encoding="utf-8")
    report = tmp_path / "report.jsonl"
    settings = Settings(_env_file=None, rag_data_dir=tmp_path / "unused")

    summary = run_eval(small_guides, load_qa(qa), 3, settings, answers=True, report=report)
    lines = {line["id"]: line for line in map(json.loads, report.read_text(encoding="utf-8").splitlines())}

    answered = [lines[i] for i in ("stove", "tent") if not lines[i]["refused"]]
    assert answered, "the gold sections are in the guides: at least one must be answered"
    for line in answered:
        assert 0.5 <= line["answer_coverage"] <= 1 and 0 < line["answer_precision"] <= 1
    assert "answer_coverage" not in lines["none"]
    assert summary["answer_coverage"] == pytest.approx(
        sum(line["answer_coverage"] for line in answered) / len(answered), abs=1e-4)
    assert summary["answer_precision"] == pytest.approx(
        sum(line["answer_precision"] for line in answered) / len(answered), abs=1e-4)
