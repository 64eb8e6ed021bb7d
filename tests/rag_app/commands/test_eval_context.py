"""rag-eval's context_chars: how much text retrieval hands on per question."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag_app.commands.eval import QAItem, run_eval
from rag_app.settings import Settings


@pytest.mark.slow
def test_context_chars_is_the_mean_total_of_the_passages_handed_on(tmp_path: Path, small_guides: Path) -> None:
    qa = [QAItem("1", "How do I clean the stove jet?", source="stove_en.md"),
          QAItem("2", "帐篷上的树汁怎么去掉？", source="tent_zh.md"),
          QAItem("3", "What is the capital of Australia?")]
    report = tmp_path / "report.jsonl"
    summary = run_eval(small_guides, qa, 2, Settings(_env_file=None, rag_data_dir=tmp_path / "data"), False, report)
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    totals = [sum(len(p["text"]) for p in line["retrieved"]) for line in lines]
    assert all(len(line["retrieved"]) == 2 for line in lines) and min(totals) > 0
    assert summary["context_chars"] == round(sum(totals) / len(qa), 1)
