"""The chat page's state and wording that need no Streamlit: turns, history, streams, upload outcomes.

Kept out of streamlit_app.py so the page stays a layout of widgets and this stays testable alone.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from rag_app.answer import Answer
from rag_app.indexing import IngestReport
from rag_app.ui.citations import escape_markdown
from rag_app.ui.i18n import Lang, t

MAX_SUGGESTED_GUIDES = 12

_LATEX_DOLLAR = re.compile(r"(?<!\\)\$")
_NUMBERED_BULLET = re.compile(r"^(\s*[-*+]\s+\d{1,3})([.)])", re.MULTILINE)  # "- 1. step": no list in a list
# The core's errors start with the stored file's name ("a_b.pdf: " or "a.pdf (x.pdf): "); the page names
# the file as the user uploaded it instead.
_FILE_PREFIX = re.compile(r"^[^:\n]*?\.\w{1,5}(?: \([^)]*\))?: ")


@dataclass(frozen=True)
class Turn:
    """One question and its final answer; `id` keys its feedback widget and its feedback row. `choice`
    is the product picked after the assistant asked which one: the user's message shows it."""

    question: str
    answer: Answer
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    choice: str | None = None


def product_filters(products: Iterable[str]) -> dict[str, list[str]] | None:
    """The filters of the products picked for the conversation (none picked: every product)."""
    chosen = list(products)
    return {"product": chosen} if chosen else None


def history(turns: Iterable[Turn]) -> list[dict[str, str]]:
    """The conversation as the core reads it, so follow-ups ("那羽绒服呢？") keep their topic."""
    messages = []
    for turn in turns:
        messages += [{"role": "user", "content": turn.question}, {"role": "assistant", "content": turn.answer.text}]
    return messages


def answer_markdown(text: str) -> str:
    """The answer as markdown, minus two surprises: a `$` (prices) starting a LaTeX formula, and a quoted
    step ("- 1. Unzip") becoming an ordered list nested in the bullet."""
    return _NUMBERED_BULLET.sub(r"\1\\\2", _LATEX_DOLLAR.sub(r"\\$", text))


def guide_suggestion(guides: Iterable[str], lang: Lang) -> str:
    """What a refused question may ask about instead: the guides the knowledge base holds."""
    names = sorted(guides)
    shown = [f"- {escape_markdown(name)}" for name in names[:MAX_SUGGESTED_GUIDES]]
    if len(names) > MAX_SUGGESTED_GUIDES:
        shown.append(f"- … (+{len(names) - MAX_SUGGESTED_GUIDES})")
    return t("suggest", lang) + "\n" + "\n".join(shown)


Outcome = Literal["success", "info", "error"]


def upload_outcome(name: str, report: IngestReport, lang: Lang) -> tuple[Outcome, str]:
    """One line per uploaded file: ingested, unchanged, or why it failed (the error names the file)."""
    if report.files_failed:
        reasons = "; ".join(_FILE_PREFIX.sub("", error) for error in report.errors)
        return "error", t("failed", lang, name=name, error=reasons or "?")
    if report.files_skipped and not report.files_ingested:
        return "info", t("unchanged", lang, name=name)
    return "success", t("ingested", lang, name=name, chunks=report.chunks_added)
