"""Blocks from bare lines, for text without list markup (plain text, PDF lines, Markdown paragraphs a
converter wrote): a step starts at each list marker ("1.", "1、", "（1）", "①", "•")."""

from __future__ import annotations

import re

from ingest.clean import join_lines, starts_with_callout
from ingest.document import Block, BlockKind

STEP_MARKER = re.compile(
    r"^\s*(?:\d{1,3}[.)、](?!\d)|[(（]\d{1,3}[)）]|[①-⑳]|[-–—*•·▪●◆■]\s|第[一二三四五六七八九十\d]{1,3}步|步骤\s*\d{1,3})"
)


def line_blocks(lines: list[str], page: int | None = None) -> list[Block]:
    """Lines of one paragraph: a step starts at each list marker, other lines continue the block."""
    blocks: list[Block] = []
    kind, current = BlockKind.PARAGRAPH, []
    for line in lines:
        if STEP_MARKER.match(line) or (current and starts_with_callout(line)):
            if current:
                blocks.append(Block(kind, join_lines(current), page=page))
            kind, current = (BlockKind.STEP if STEP_MARKER.match(line) else BlockKind.PARAGRAPH), []
        current.append(line)
    if current:
        blocks.append(Block(kind, join_lines(current), page=page))
    return blocks
