"""Citations as the chat page shows them: which passages an answer cites, and each passage as safe
Streamlit markdown with the question's words highlighted.

Passages are guide text, not markdown meant for the page: every markdown special character is escaped
so a `#`, `*`, `$` or `[` in a manual shows as itself instead of turning into a heading, emphasis, a
formula or a link. `<` and `>` are escaped too, so the only HTML in a highlighted passage is our own
<mark> (rendered with unsafe_allow_html): Streamlit's `:orange-background[]` pads each word, which
leaves gaps inside Chinese text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from langchain_core.documents import Document

from ingest.text import CITATION, HAN, WORD
from rag_app.answer import Answer

Tokenize = Callable[[str], list[str]]  # the keyword index's tokenizer: jieba words, stemmed English words

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^])")
HIGHLIGHT = '<mark style="background-color: #fde2b8; color: inherit; padding: 0 1px; border-radius: 3px">{}</mark>'
MIN_HAN_TERM = 2  # single characters (用, 后, 时) would light up most of a Chinese passage


def escape_markdown(text: str) -> str:
    """`text` shown literally by st.markdown: specials escaped, line breaks kept, no indented code."""
    return "  \n".join(_mark_line(line, [], offset) for line, offset in _lines(text))


def cited_sources(answer: Answer) -> list[tuple[int, Document]]:
    """(number, passage) for each passage the text cites, in order; all of them when it cites none."""
    numbered = list(enumerate(answer.sources, start=1))
    cited = {int(n) for n in CITATION.findall(answer.text)}
    return [(n, doc) for n, doc in numbered if n in cited] or numbered


def citation_label(number: int, doc: Document) -> str:
    """`[n] guide › heading · p. N`, escaped, for an expander's label; the full section path is inside."""
    meta = doc.metadata
    heading = str(meta.get("section") or "").split(" > ")[-1]
    where = " › ".join(str(part) for part in (meta.get("source"), heading) if part)
    page = f" · p. {meta['page']}" if meta.get("page") is not None else ""
    return escape_markdown(f"[{number}] {where}{page}")


def highlight(passage: str, question: str, tokenize: Tokenize) -> str:
    """The passage as escaped markdown, with the question's content words marked.

    English words match by stem ("cleaning" for "clean"); Chinese words are jieba tokens of the
    question found anywhere in the passage, since jieba may cut the passage differently.
    """
    wanted = set(tokenize(question))
    spans: list[tuple[int, int]] = []
    for term in {w for w in wanted if HAN.search(w) and len(w) >= MIN_HAN_TERM}:
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(term), passage)]
    for match in WORD.finditer(passage):
        if wanted.intersection(tokenize(match.group())):
            spans.append(match.span())
    return "  \n".join(_mark_line(line, spans, offset) for line, offset in _lines(passage))


def _lines(text: str) -> list[tuple[str, int]]:
    """The lines of `text` with their offsets, minus leading and trailing blank ones."""
    lines = []
    offset = 0
    for line in text.splitlines(keepends=True):
        lines.append((line.rstrip("\r\n"), offset))
        offset += len(line)
    while lines and not lines[0][0].strip():
        lines.pop(0)
    while lines and not lines[-1][0].strip():
        lines.pop()
    return lines


def _mark_line(line: str, spans: list[tuple[int, int]], offset: int) -> str:
    """One line escaped, its highlighted spans (merged where they overlap) wrapped in HIGHLIGHT."""
    inside = sorted((max(s - offset, 0), min(e - offset, len(line))) for s, e in spans
                    if s < offset + len(line) and e > offset)
    merged: list[list[int]] = []
    for start, end in inside:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out = []
    position = 0
    for start, end in merged:
        out.append(_MARKDOWN_SPECIAL.sub(r"\\\1", line[position:start]))
        out.append(HIGHLIGHT.format(_MARKDOWN_SPECIAL.sub(r"\\\1", line[start:end])))
        position = end
    out.append(_MARKDOWN_SPECIAL.sub(r"\\\1", line[position:]))
    return "".join(out).strip()
