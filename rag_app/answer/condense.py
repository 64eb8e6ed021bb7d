"""Follow-up questions made standalone, so that retrieval sees their topic.

With an LLM the follow-up is rewritten from the conversation; without one (or when the rewrite is
not a question) an elliptical follow-up gets the last self-contained question in front of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.text import text_size
from rag_app.answer.prompts import MAX_CONDENSED_CHARS

_FOLLOW_UP = re.compile(
    r"^(?i:and|or|what about|how about|also|then|so)\b|^(?:那|那么|还有|另外|以及|或者)|呢[？?。]?$"
)
_PRONOUN = re.compile(r"\b(?i:it|its|they|them|this|that|these|those|one)\b|它|这个|那个|这些|那些|其")
_CONDENSE_LABEL = re.compile(r"^(?i:standalone question|rewritten question|question|独立问题|问题)\s*[:：]\s*")


def clean_condensed(reply: str) -> str:
    """The rewritten question out of the reply (first line, no label, no quotes), or "" when it is none.

    Small models often answer instead of rewriting: anything but a question is discarded.
    """
    line = next((line.strip() for line in reply.splitlines() if line.strip()), "")
    line = _CONDENSE_LABEL.sub("", line).strip().strip("\"'“”「」")
    return line if line.endswith(("?", "？")) and len(line) <= MAX_CONDENSED_CHARS else ""


def prepend_topic(question: str, history: Sequence[dict[str, str]]) -> str:
    """Cheap condensing: an elliptical follow-up gets the last self-contained user question in front."""
    if not _is_elliptical(question):
        return question
    asked = [m["content"].strip() for m in history if m.get("role") == "user" and m.get("content", "").strip()]
    if not asked:
        return question
    topic = next((q for q in reversed(asked) if not _is_elliptical(q)), asked[-1])
    return f"{topic} {question.strip()}"


def _is_elliptical(question: str) -> bool:
    question = question.strip()
    size = text_size(question)
    return bool(_FOLLOW_UP.search(question)) or size <= 3 or (size <= 8 and bool(_PRONOUN.search(question)))
