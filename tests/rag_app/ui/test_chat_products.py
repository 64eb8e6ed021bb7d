"""The chat page over several products (AppTest): the product picker and the question back's buttons."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from support.ui import APP, APP_TIMEOUT_S, plain

from rag_app.assistant import Assistant
from rag_app.settings import Settings

CAPACITY = "What is the capacity of the kettle?"


@pytest.fixture
def page(tmp_path: Path, product_guides: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "rag"))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LLM_MODEL", "CHROMA_HOST"):
        monkeypatch.setenv(name, "")
    assert Assistant(Settings(_env_file=None)).ingest([product_guides], progress=False).files_ingested == 3
    st.cache_resource.clear()
    app = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)
    app.session_state["lang"] = "en"
    yield app.run()
    st.cache_resource.clear()


def cited_guides(message) -> set[str]:
    return {plain(e.label).split(" › ")[0].split("] ")[1] for e in message.expander}


def ask(page: AppTest, question: str) -> AppTest:
    page.chat_input[0].set_value(question)
    return page.run()


def test_picked_product_scopes_every_answer_of_the_conversation(page: AppTest) -> None:
    picker = page.sidebar.multiselect[0]
    assert picker.options == ["Acme K1", "Acme K2", "TrailFlame Camping Stove"]
    picker.set_value(["Acme K2"]).run()
    ask(page, CAPACITY)
    ask(page, "How do I descale it?")
    assistant = [m for m in page.chat_message if m.name == "assistant"]
    assert len(assistant) == 2 and not page.main.button
    assert all(cited_guides(m) == {"kettle_k2.md"} for m in assistant)
    assert page.sidebar.multiselect[0].value == ["Acme K2"]

    page.sidebar.button[0].click().run()  # new conversation: every product again
    assert page.sidebar.multiselect[0].value == []


def test_question_back_buttons_answer_the_original_question(page: AppTest) -> None:
    ask(page, CAPACITY)
    first = next(m for m in page.chat_message if m.name == "assistant")
    assert "Which one do you mean" in plain(first.markdown[0].value)
    assert sorted(b.label for b in page.main.button) == ["Acme K1", "Acme K2"]

    next(b for b in page.main.button if b.label == "Acme K1").click().run()
    messages = page.chat_message
    assert [m.name for m in messages] == ["user", "assistant", "user", "assistant"]
    assert plain(messages[2].markdown[0].value) == "Acme K1"
    assert cited_guides(messages[3]) == {"kettle_k1.md"}
    assert "Acme K1" in plain(messages[3].markdown[0].value)
