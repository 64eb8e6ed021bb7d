"""Plain text: the encoding guessed (GB18030 preferred for ambiguous Chinese), headings from numbering."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ingest.clean import page_furniture, starts_with_callout
from ingest.document import Block, BlockKind
from ingest.loaders.encoding import read_text
from ingest.loaders.lines import STEP_MARKER, line_blocks
from ingest.loaders.markdown import MD_HEADING_LINE, markdown_blocks
from ingest.text import ENDS_SENTENCE, SENTENCE_PUNCTUATION

_TXT_HEADINGS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], int]], ...] = (
    (re.compile(r"^第[一二三四五六七八九十百\d]{1,4}[章部篇]"), lambda m: 1),
    (re.compile(r"^第[一二三四五六七八九十百\d]{1,4}节"), lambda m: 2),
    (re.compile(r"^[一二三四五六七八九十]{1,3}、"), lambda m: 1),
    (re.compile(r"^[(（][一二三四五六七八九十]{1,3}[)）]"), lambda m: 2),
    (re.compile(r"^\d{1,2}((?:\.\d{1,2})*)\s+\S"), lambda m: 1 + m.group(1).count(".")),
    (re.compile(r"^[A-Z][A-Z0-9 &,'/-]{2,}$"), lambda m: 1),
)


def load_text(path: Path) -> list[Block]:
    """Plain text: paragraphs split on blank lines, numbered lines as steps, and headings guessed
    only from unambiguous shapes ("第一章", "2.1 Cleaning", "CLEANING"); markdown-like text is parsed
    as markdown. Text extracted from a PDF page by page (pdftotext: pages end with a form feed) loses
    its running headers, footers and page numbers as a PDF does."""
    text = _without_page_furniture(read_text(path))
    if MD_HEADING_LINE.search(text):
        return markdown_blocks(text)
    blocks: list[Block] = []
    paragraphs = [p for p in re.split(r"\n[^\S\n]*\n", text.replace("\r\n", "\n")) if p.strip()]
    for index, paragraph in enumerate(paragraphs):
        lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
        level = _txt_heading_level(lines, is_first=index == 0)
        if level:
            blocks.append(Block(BlockKind.HEADING, lines[0], level))
        else:
            blocks.extend(line_blocks(lines))
    return blocks


def _without_page_furniture(text: str) -> str:
    """The text without the lines that are page furniture, where form feeds mark its pages; the pages
    joined so that a paragraph a page break cut reads on."""
    if "\f" not in text.strip("\f"):
        return text
    pages = [page.split("\n") for page in text.replace("\r\n", "\n").split("\f")]
    dropped = page_furniture(pages)
    kept = ["\n".join(line for i, line in enumerate(lines) if i not in drop).strip()
            for lines, drop in zip(pages, dropped, strict=True)]
    out = ""
    for page in filter(None, kept):
        out += ("\n\n" if ENDS_SENTENCE.search(out) else "\n") + page if out else page
    return out


def _txt_heading_level(lines: list[str], is_first: bool) -> int:
    """The level of a one-line paragraph that looks like a heading, 0 otherwise; the file's first
    such line is its title (level 1), so the patterns' levels are shifted below it."""
    if len(lines) != 1:
        return 0
    line = lines[0]
    if len(line) > 60 or line.endswith(SENTENCE_PUNCTUATION) or starts_with_callout(line):
        return 0
    for pattern, level_of in _TXT_HEADINGS:
        match = pattern.match(line)
        if match:
            return 1 + level_of(match)
    return 1 if is_first and not STEP_MARKER.match(line) else 0
