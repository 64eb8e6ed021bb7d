"""The structured form loaders produce (blocks), and the chunks the chunker makes of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class BlockKind(str, Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    STEP = "step"  # one numbered/bulleted list item; consecutive steps stay together when they fit
    WARNING = "warning"  # WARNING / CAUTION / 注意 / 警告 callouts: never cut in the middle
    TABLE = "table"  # rendered as pipe-separated rows; never cut in the middle of a row


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    level: int = 0  # heading depth, 1 = title; 0 for non-headings
    page: int | None = None  # 1-based, PDFs only


@dataclass
class ParsedDocument:
    """One loaded file: its source name and its blocks in reading order."""

    source: str
    blocks: list[Block] = field(default_factory=list)


class LoadError(Exception):
    """A file that cannot be read; the message names the file and the reason."""


@dataclass(frozen=True)
class Chunk:
    """A piece of one document, sized for the embedding model, with its place in the document."""

    source: str
    text: str
    section: str = ""  # heading path "Title > Subtitle > Sub-subtitle"; "" when no headings
    page: int | None = None  # 1-based page where the chunk starts, PDFs only
    chunk_index: int = 0
    passage: str = ""  # the larger unit handed on when this (smaller) chunk matches; "": the chunk itself


SECTION_PREFIX_CHARS = 200


def index_text(section: str, text: str) -> str:
    """What is embedded and keyword-indexed for a chunk: in manuals the section title is often the best signal."""
    return f"{section[-SECTION_PREFIX_CHARS:]}\n{text}" if section else text
