"""Markdown: headings, lists, tables and callouts from the token stream."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.clean import (
    is_callout_label,
    join_lines,
)
from ingest.document import Block, BlockKind
from ingest.loaders.encoding import read_text
from ingest.loaders.html import html_blocks
from ingest.loaders.lines import STEP_MARKER, line_blocks
from ingest.text import ENDS_SENTENCE

MAX_BOLD_HEADING_CHARS = 60  # a longer bold paragraph is emphasis, not a heading
# markdown-it's CommonMark preset stops at 20 levels and silently drops the rest of the container: a
# service manual's fault tree, nested nine lists deep, lost nearly three quarters of the manual with it
MAX_NESTING = 200
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
_NO_LANGUAGE = frozenset({"", "markdown", "md"})  # a fence naming a language ("```python") holds code
MD_HEADING_LINE = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)
# YAML front matter: the guide's product tags (ingest.metadata reads them), not its text.
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)


@dataclass
class _MdItem:
    marker: str
    parts: list[str] = field(default_factory=list)
    emitted: bool = False


def strip_front_matter(text: str) -> str:
    match = FRONT_MATTER.match(text)
    return text[match.end():] if match else text


def load_markdown(path: Path) -> list[Block]:
    return markdown_blocks(strip_front_matter(read_text(path)))


def markdown_blocks(text: str) -> list[Block]:
    """Walk markdown-it's token stream: headings (ATX and setext, and a paragraph that is one bold
    phrase), list items as steps, block quotes as callouts, GFM tables, code as paragraphs (unless, naming
    no language, it holds headings, lists or tables: a converter's fence left open over pages), embedded
    HTML through the HTML loader."""
    tokens = _parse(text)
    blocks: list[Block] = []
    quote: list[str] = []
    quote_depth = 0
    lists: list[list[int] | None] = []  # per open list: [next number], or None for bullets
    items: list[_MdItem] = []
    table: list[str] = []
    row: list[str] = []
    heading_level = 1  # of the last heading marked with "#": a bold line is a heading below it

    def emit(kind: BlockKind, body: str, level: int = 0) -> None:
        if quote_depth:
            quote.append(body)
        else:
            blocks.append(Block(kind, body, level))

    def flush_item() -> None:
        if items and items[-1].parts and not items[-1].emitted:
            emit(BlockKind.STEP, f"{items[-1].marker} " + "\n".join(items[-1].parts))
            items[-1].emitted = True

    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "heading_open":
            flush_item()
            heading_level = int(token.tag[1])
            emit(BlockKind.HEADING, _md_inline(tokens[i + 1]), heading_level)
        elif kind == "inline" and tokens[i - 1].type == "paragraph_open":
            body = _md_inline(token)
            if not items and not quote_depth and _is_bold_heading(token, body):
                emit(BlockKind.HEADING, body, min(heading_level + 1, 6))
            elif items and not items[-1].emitted:
                items[-1].parts.append(body)
            elif quote_depth:
                emit(BlockKind.PARAGRAPH, body)
            else:
                for block in _paragraph_blocks(token, body):
                    emit(block.kind, block.text)
        elif kind == "inline" and tokens[i - 1].type in ("th_open", "td_open"):
            row.append(_md_inline(token).replace("\n", " "))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            flush_item()
            lists.append([int(token.attrGet("start") or 1)] if kind == "ordered_list_open" else None)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            counter = lists[-1]
            marker = "-" if counter is None else f"{counter[0]}."
            if counter is not None:
                counter[0] += 1
            items.append(_MdItem(marker))
        elif kind == "list_item_close":
            flush_item()
            items.pop()
        elif kind == "blockquote_open":
            flush_item()
            quote_depth += 1
        elif kind == "blockquote_close":
            quote_depth -= 1
            if not quote_depth and quote:
                blocks.append(Block(BlockKind.WARNING, re.sub(r"^\[!(\w+)\]", r"\1:", "\n".join(quote))))
                quote.clear()
        elif kind == "tr_close":
            table.append(" | ".join(row))
            row = []
        elif kind == "table_close":
            flush_item()
            emit(BlockKind.TABLE, "\n".join(table))
            table = []
        elif kind in ("fence", "code_block"):
            flush_item()
            inner = [] if token.info.strip().lower() not in _NO_LANGUAGE else markdown_blocks(token.content)
            if any(block.kind is not BlockKind.PARAGRAPH for block in inner):
                for block in inner:  # a converter's stray fence around pages of the manual: Markdown, not code
                    emit(block.kind, block.text, block.level)
            else:
                emit(BlockKind.PARAGRAPH, token.content.rstrip("\n"))
        elif kind == "html_block":
            flush_item()
            for block in html_blocks(token.content):
                emit(block.kind, block.text, block.level)
    return blocks


def _parse(text: str) -> list[Token]:
    """The token stream, all of it: nested past MAX_NESTING, the lines lose their indentation (the
    lists their nesting), not their text."""
    parser = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable(["table", "strikethrough"])
    tokens = parser.parse(text)
    if any(token.level >= MAX_NESTING - 1 for token in tokens):
        tokens = parser.parse(_INDENT.sub("", text))
    return tokens


_BR = re.compile(r"^<br\s*/?>$", re.IGNORECASE)


def _is_bold_heading(token: Token, text: str) -> bool:
    """A paragraph that is one bold phrase ("**滤网清洁**"): the heading a PDF converter (or an author)
    wrote as bold text. Not a bold sentence or a callout label ("**注意：**")."""
    children = [child for child in token.children or []
                if child.type != "softbreak" and not (child.type == "text" and not child.content.strip())]
    return (len(children) >= 3 and children[0].type == "strong_open" and children[-1].type == "strong_close"
            and all(child.type in ("text", "code_inline") for child in children[1:-1])
            and 0 < len(text) <= MAX_BOLD_HEADING_CHARS and not ENDS_SENTENCE.search(text)
            and not is_callout_label(text))


def _md_inline(token: Token) -> str:
    """Inline markdown as plain text: emphasis and link syntax dropped (link text kept), images
    dropped, soft line breaks joined (CJK-aware), hard breaks kept."""
    return "\n".join(join_lines(group) for group in _md_lines(token))


def _md_lines(token: Token) -> list[list[str]]:
    """The inline text's lines, grouped between hard breaks."""
    groups: list[list[str]] = [[""]]
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            groups[-1][-1] += child.content
        elif child.type == "softbreak":
            groups[-1].append("")
        elif child.type == "hardbreak" or (child.type == "html_inline" and _BR.match(child.content)):
            groups.append([""])
    return groups


def _paragraph_blocks(token: Token, body: str) -> list[Block]:
    """A paragraph, or the steps that a converter (or an author typing plain text) wrote as its lines:
    "1、关机…" / "2、取出滤网…", "（1）", "①", "•" are not Markdown list markers, yet each starts a step."""
    lines = [line.strip() for group in _md_lines(token) for line in group if line.strip()]
    marked = [i for i, line in enumerate(lines) if STEP_MARKER.match(line)]
    if len(marked) >= 2 or marked[:1] == [0]:  # one wrapped line that starts "2)" makes no list
        return line_blocks(lines)
    return [Block(BlockKind.PARAGRAPH, body)]
