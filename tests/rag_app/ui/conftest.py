"""Fixtures for the app: a tiny real knowledge base in a tmp RAG_DATA_DIR, the chat page over it, and a real
`streamlit run` server for the browser tests."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from support.net import free_port
from support.process import ServerProcess

from rag_app.assistant import Assistant
from rag_app.settings import Settings

APP = Path(__file__).resolve().parents[3] / "streamlit_app.py"
APP_TIMEOUT_S = 120  # the first run loads the embedding model and jieba's dictionary
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
START_TIMEOUT_S = 60


_MARK = re.compile(r"</?mark[^>]*>")
_ESCAPED = re.compile(r"\\(.)")


def plain(markdown: str) -> str:
    """Markdown as the eye reads it: highlight tags and backslash escapes removed."""
    return _ESCAPED.sub(r"\1", _MARK.sub("", markdown))


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



@contextmanager
def streamlit_server(workdir: Path) -> Iterator[str]:
    """`streamlit run streamlit_app.py` in `workdir` with this process's environment; yields its URL once
    /_stcore/health answers."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    with ServerProcess(command, workdir, os.environ.copy(), log_name=f"streamlit-{port}.log") as server:
        url = f"http://127.0.0.1:{port}"
        server.wait_http(f"{url}/_stcore/health", START_TIMEOUT_S)
        yield url
