"""The unanswered-questions log: grouping by meaning with the real embedding model, retention, done, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.documents import Document
from support.clock import FakeClock

from rag_app.commands.eval import load_qa
from rag_app.embeddings import GuideEmbeddings, make_embeddings
from rag_app.questions import DAY_S, QuestionGroups, QuestionLog
from rag_app.settings import Settings

THRESHOLD = Settings(_env_file=None).question_group_similarity



@pytest.fixture(scope="module")
def embeddings() -> GuideEmbeddings:
    return make_embeddings(Settings(_env_file=None))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def log(tmp_path: Path, clock: FakeClock) -> QuestionLog:
    return QuestionLog(tmp_path / "questions.sqlite3", retention_days=90, clock=clock)


def passage(source: str, score: float) -> Document:
    return Document("...", metadata={"source": source, "section": "A > B", "page": None, "score": score})


@pytest.mark.slow
def test_paraphrases_are_one_group_and_other_questions_are_not(log: QuestionLog, clock: FakeClock,
                                                               embeddings: GuideEmbeddings) -> None:
    asked = ["冰箱不冷了", "怎么装车顶帐篷", "车顶帐篷能承重多少", "洗衣机显示E21是什么意思？", "车顶帐篷安装步骤",
             "How do I bake sourdough bread?", "车顶帐篷怎么安装？", "冰箱不制冷怎么办"]
    for question in asked:
        clock.now += 60
        log.record(question, "refused", [passage("tent_zh.md", 0.7)], "zh")

    groups = QuestionGroups(log, embeddings.embed_queries, THRESHOLD)()

    rows = [sorted(g.examples) for g in groups]
    assert rows[0] == sorted(["怎么装车顶帐篷", "车顶帐篷安装步骤", "车顶帐篷怎么安装？"])  # most asked first
    assert rows[1] == sorted(["冰箱不冷了", "冰箱不制冷怎么办"])
    assert sorted(map(tuple, rows[2:])) == [("How do I bake sourdough bread?",), ("洗衣机显示E21是什么意思？",),
                                            ("车顶帐篷能承重多少",)]
    first = groups[0]
    assert first.count == 3 and first.last_asked.timestamp() == clock.now - 60
    assert first.summary()["last_asked"] == first.last_asked.isoformat()
    assert first.found == ["tent_zh.md"]


@pytest.mark.slow
def test_a_group_marked_done_leaves_the_list_and_comes_back_when_asked_again(
        log: QuestionLog, clock: FakeClock, embeddings: GuideEmbeddings) -> None:
    groups = QuestionGroups(log, embeddings.embed_queries, THRESHOLD)
    log.record("怎么装车顶帐篷", "refused", [], "zh")
    log.record("车顶帐篷安装步骤", "refused", [], "zh")
    log.mark_done(groups()[0].ids)
    assert groups() == []

    clock.now += 60
    log.record("车顶帐篷怎么安装？", "refused", [], "zh")
    assert [g.examples for g in groups()] == [["车顶帐篷怎么安装？"]]


def test_entries_older_than_the_retention_period_are_deleted(log: QuestionLog, clock: FakeClock) -> None:
    log.record("old question", "refused", [], "en")
    clock.now += 89 * DAY_S
    log.record("newer question", "disliked", [], "en", answer_id="a1")
    assert log.count() == 2

    clock.now += 2 * DAY_S
    assert [e.question for e in log.entries()] == ["newer question"]
    assert log.count() == 1


def test_filters_by_outcome_and_time(log: QuestionLog, clock: FakeClock) -> None:
    log.record("refused early", "refused", [], "en")
    clock.now += 100
    log.record("disliked later", "disliked", [passage("stove_en.md", 0.9)], "en", answer_id="a1")

    assert [e.question for e in log.entries("refused")] == ["refused early"]
    assert [e.question for e in log.entries("disliked")] == ["disliked later"]
    assert [e.question for e in log.entries(since=clock.now - 50)] == ["disliked later"]
    assert log.entries("disliked")[0].passages == [
        {"source": "stove_en.md", "section": "A > B", "page": None, "score": 0.9}]


def test_a_taken_back_thumb_is_forgotten_and_a_repeated_one_counts_once(log: QuestionLog) -> None:
    log.record("q", "disliked", [], "en", answer_id="a1")
    log.record("q", "disliked", [], "en", answer_id="a1")
    assert log.count() == 1
    log.forget("a1")
    assert log.count() == 0


@pytest.mark.slow
def test_a_group_exports_as_eval_cases_the_eval_reads(log: QuestionLog, tmp_path: Path,
                                                      embeddings: GuideEmbeddings) -> None:
    log.record("怎么装车顶帐篷", "refused", [passage("tent_zh.md", 0.7)], "zh")
    log.record("怎么装车顶帐篷", "refused", [], "zh")
    log.record("车顶帐篷安装步骤", "disliked", [passage("tent_zh.md", 0.9)], "zh", answer_id="x")
    group = QuestionGroups(log, embeddings.embed_queries, THRESHOLD)()[0]

    cases = group.eval_cases()
    target = tmp_path / "qa.jsonl"
    target.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    items = load_qa(target)
    assert sorted(i.question for i in items) == ["怎么装车顶帐篷", "车顶帐篷安装步骤"]  # one line per wording
    assert all(i.source is None and i.answer is None for i in items)
    assert {c["question"]: c["found"] for c in cases}["车顶帐篷安装步骤"] == "tent_zh.md"
