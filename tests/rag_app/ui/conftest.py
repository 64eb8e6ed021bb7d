"""Fixtures for the app: a tiny real knowledge base in a tmp RAG_DATA_DIR, the chat page over it, and a real
`streamlit run` server for the browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from support.ui import APP, APP_TIMEOUT_S

from rag_app.assistant import Assistant
from rag_app.settings import Settings


@pytest.fixture
def rag_env(tmp_path: Path, small_guides: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """RAG_DATA_DIR in tmp holding the two small guides, extractive mode; returns the data dir.

    The working directory moves to tmp so a developer's `.env` cannot point the tests at a real LLM.
    """
    data_dir = tmp_path / "rag"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RAG_DATA_DIR", str(data_dir))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LLM_MODEL", "CHROMA_HOST"):
        monkeypatch.setenv(name, "")
    for name in ("STAFF_PASSWORD_HASH", "STAFF_EMAILS", "QUESTION_LOG", "RAG_EVAL_FILE", "RAG_EVAL_DOCS"):
        monkeypatch.delenv(name, raising=False)
    report = Assistant(Settings(_env_file=None)).ingest([small_guides], progress=False)
    assert report.files_ingested == 2, report
    st.cache_resource.clear()  # the page builds its Assistant from this environment
    yield data_dir
    st.cache_resource.clear()


@pytest.fixture
def page(rag_env: Path) -> AppTest:
    """The chat page, run once, with Chinese labels."""
    app = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)
    app.session_state["lang"] = "zh"
    return app.run()
