"""Feedback in SQLite, and its export as QA lines that rag-eval reads."""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.documents import Document

from rag_app.commands.eval import load_qa
from rag_app.ui.feedback import FeedbackStore


def doc(source: str, section: str, page: int | None = None) -> Document:
    return Document(page_content="text", metadata={"source": source, "section": section, "page": page})


def test_ratings_are_kept_replaced_and_forgotten(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "data" / "feedback.sqlite3")
    store.record("q1", "a1", [doc("a.md", "S")], "up", answer_id="1")
    store.record("q2", "a2", [doc("b.md", "T")], "down", answer_id="2")
    assert store.counts() == {"up": 1, "down": 1}

    store.record("q1", "a1", [doc("a.md", "S")], "down", answer_id="1")
    assert store.counts() == {"up": 0, "down": 2}
    store.forget("2")
    assert FeedbackStore(store.path).counts() == {"up": 0, "down": 1}  # persisted


def test_export_writes_thumbs_down_as_eval_cases(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.record("Good?", "Yes [1]", [doc("a.md", "S")], "up", answer_id="1")
    store.record("滤网多久换？", "每周 [1]", [doc("manual.pdf", "维护 > 滤网", 7), doc("b.md", "T")], "down",
                 answer_id="2")
    store.record("Warranty?", "The guides don't cover this.", [], "down", answer_id="3", refused=True)

    target = tmp_path / "qa.jsonl"
    assert store.export_qa(target) == 2

    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {"id": "feedback-2", "question": "滤网多久换？", "answer": None, "source": "manual.pdf",
                        "section": "滤网", "page": 7, "refused": False, "rejected_answer": "每周 [1]"}
    assert lines[1]["source"] is None and lines[1]["refused"] is True
    assert [item.id for item in load_qa(target)] == ["feedback-2", "feedback-3"]
