"""The chat page driven through Streamlit's AppTest over a tiny real knowledge base (extractive mode)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support.fake_llm import FakeLLM, Fault
from support.ui import APP, APP_TIMEOUT_S, plain

from rag_app.questions import QuestionLog
from rag_app.ui.feedback import FeedbackStore


def ask(page: AppTest, question: str) -> AppTest:
    page.chat_input[0].set_value(question)
    return page.run()


def answers(page: AppTest) -> list[str]:
    return [plain(m.markdown[0].value) for m in page.chat_message if m.name == "assistant"]


def test_answer_streams_with_citations_and_highlighted_passages(page: AppTest) -> None:
    ask(page, "帐篷怎么清洁？")

    assert not page.exception
    assert [m.name for m in page.chat_message] == ["user", "assistant"]
    assert "漂白剂" in answers(page)[0] and "[1]" in answers(page)[0]
    labels = [plain(e.label) for e in page.expander]
    assert labels and labels[0] == "[1] tent_zh.md › 去除污渍"
    passage = page.expander[0].markdown[0].value
    assert "<mark" in passage and (">帐篷</mark>" in passage or ">清洁帐篷</mark>" in passage)
    facts = plain(page.expander[0].caption[0].value)
    assert "指南：tent_zh.md" in facts and "章节：山岭 2 人帐篷保养指南 > 清洁 > 去除污渍" in facts


def test_follow_up_keeps_the_topic(page: AppTest) -> None:
    ask(page, "帐篷怎么清洁？")
    ask(page, "那收纳呢？")

    assert [m.name for m in page.chat_message] == ["user", "assistant"] * 2
    assert "完全干燥后再收纳" in answers(page)[1]
    assert any("收纳" in plain(e.label) for e in page.chat_message[3].expander)


def test_follow_up_sends_the_conversation_to_the_llm(rag_env: Path, fake_llm: FakeLLM,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url)
    monkeypatch.setenv("LLM_MODEL", "fake")
    fake_llm.reply("用温水和中性皂液擦洗 [1]", "帐篷应该怎么收纳？", "帐篷必须完全干燥后再收纳 [1]")
    page = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S).run()

    ask(page, "帐篷怎么清洁？")
    ask(page, "那收纳呢？")

    # no tag says which of the two products is a 帐篷: the answers name theirs, and the follow-up stayed on it
    note = "（适用产品：山岭 2 人帐篷）\n\n"
    assert answers(page) == [f"{note}用温水和中性皂液擦洗 [1]", f"{note}帐篷必须完全干燥后再收纳 [1]"]
    condense, answer = fake_llm.chat_requests[1:]
    assert "帐篷怎么清洁？" in json.dumps(condense["messages"], ensure_ascii=False)
    assert any(m["role"] == "assistant" and "中性皂液" in m["content"] for m in answer["messages"])
    assert "fake" not in json.dumps([c.value for c in [*page.caption, *page.sidebar.caption]])  # no model names


def test_llm_failure_shows_the_notice_and_quotes(rag_env: Path, fake_llm: FakeLLM,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url)
    monkeypatch.setenv("LLM_MODEL", "fake")
    monkeypatch.setenv("LLM_MAX_RETRIES", "0")
    fake_llm.reply(Fault.ERROR_500)
    page = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S).run()

    ask(page, "How do I clean the burner?")

    assert "HTTP 500" in page.chat_message[1].warning[0].value
    assert "brass brush" in answers(page)[0]


def test_off_topic_question_is_refused_with_suggestions(page: AppTest) -> None:
    ask(page, "How do I bake sourdough bread?")

    assert "The guides don't cover this." in answers(page)[0]
    assert not page.expander
    suggestion = plain(page.chat_message[1].info[0].value)
    assert suggestion.startswith("You can ask about")  # reads on from the refusal, in its language
    assert "stove_en.md" in suggestion and "tent_zh.md" in suggestion


def test_thumbs_down_lands_in_sqlite_the_export_and_the_questions_log(page: AppTest, rag_env: Path) -> None:
    ask(page, "帐篷怎么清洁？")
    page.feedback[0].set_value(0).run()

    store = FeedbackStore(rag_env / "feedback.sqlite3")
    assert store.counts() == {"up": 0, "down": 1}
    log = QuestionLog(rag_env / "questions.sqlite3", retention_days=90)
    [entry] = log.entries()
    assert (entry.question, entry.outcome, entry.language) == ("帐篷怎么清洁？", "disliked", "zh")
    assert entry.passages[0]["source"] == "tent_zh.md"
    exported = io.StringIO()
    assert store.export_qa(exported) == 1
    item = json.loads(exported.getvalue())
    assert item["question"] == "帐篷怎么清洁？" and item["answer"] is None
    assert item["source"] == "tent_zh.md" and item["section"] == "去除污渍" and item["page"] is None

    page.feedback[0].set_value(1).run()  # a changed mind replaces the rating
    assert store.counts() == {"up": 1, "down": 0}
    assert log.entries() == []


def test_with_question_logging_off_no_question_is_stored(rag_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUESTION_LOG", "false")
    page = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S).run()

    ask(page, "How do I bake sourdough bread?")  # refused
    ask(page, "How do I clean the burner?")
    page.feedback[1].set_value(0).run()

    assert not page.exception
    assert not (rag_env / "questions.sqlite3").exists() and not (rag_env / "feedback.sqlite3").exists()


def test_the_chat_shows_nothing_that_changes_or_reveals_the_knowledge_base(page: AppTest, rag_env: Path) -> None:
    ask(page, "How do I bake sourdough bread?")

    assert not page.get("file_uploader") and not page.get("download_button") and not page.dataframe
    assert [b.label for b in page.button] == ["新对话"]
    shown = json.dumps([e.value for e in [*page.markdown, *page.caption, *page.info]], ensure_ascii=False)
    for internal in ("multilingual-e5", "chroma", str(rag_env)):
        assert internal not in shown


def test_new_conversation_and_passage_count(page: AppTest) -> None:
    page.sidebar.slider[0].set_value(1).run()
    ask(page, "帐篷怎么清洁？")
    assert len(page.expander) == 1

    page.sidebar.button[0].click().run()
    assert not page.chat_message


def test_labels_follow_the_language_switch(rag_env: Path) -> None:
    page = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S).run()
    assert page.title[0].value == "Care guide assistant"  # no browser locale: English

    page.sidebar.radio[0].set_value("zh").run()
    assert page.title[0].value == "保养指南问答"
    assert page.chat_input[0].placeholder.startswith("请输入问题")
