"""What both pages share, loaded once per server process: the Assistant and the feedback store."""

from __future__ import annotations

import io

import streamlit as st

from rag_app.assistant import Assistant
from rag_app.settings import Settings
from rag_app.ui.feedback import FeedbackStore


@st.cache_resource(show_spinner="Loading the embedding model and the knowledge base…")
def load_assistant() -> Assistant:
    """One Assistant per server process: the embedding model and the store are loaded once."""
    return Assistant(Settings())


@st.cache_resource
def load_feedback() -> FeedbackStore:
    return FeedbackStore(load_assistant().settings.rag_data_dir / "feedback.sqlite3")


def feedback_export() -> bytes:
    """The 👎 answers as QA lines, built when the download is asked for."""
    buffer = io.StringIO()
    load_feedback().export_qa(buffer)
    return buffer.getvalue().encode("utf-8")
