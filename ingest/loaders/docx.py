"""DOCX: heading styles, numbered lists and tables."""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document as open_docx
from docx.document import Document as DocxDocument
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from ingest.document import Block, BlockKind
from ingest.loaders.lines import STEP_MARKER

_DOCX_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_DOCX_TITLE_STYLE = re.compile(r"^(?:title|标题)$", re.IGNORECASE)
_DOCX_LIST_STYLE = re.compile(r"list|列表|编号|项目符号", re.IGNORECASE)
_DOCX_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*\d|^toc heading$", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def load_docx(path: Path) -> list[Block]:
    """Paragraphs and tables in body order. Headings come only from styles (Title, Heading N,
    标题 N, or a style based on one), never from bold text; list styles/numbering make steps."""
    document = open_docx(str(path))
    formats = _docx_numbering_formats(document)
    blocks: list[Block] = []
    counters: dict[tuple[str, int], int] = {}
    for item in document.iter_inner_content():
        if isinstance(item, DocxTable):
            blocks.append(Block(BlockKind.TABLE, _docx_table(item)))
            continue
        text = item.text
        if not text.strip():
            continue
        style_names = _docx_style_chain(item)
        if any(_DOCX_TOC_STYLE.match(name) for name in style_names):
            continue
        level = _docx_heading_level(style_names)
        if level:
            counters.clear()
            blocks.append(Block(BlockKind.HEADING, text, level))
            continue
        numbering = _docx_numbering(item)
        if numbering is None and not any(_DOCX_LIST_STYLE.search(name) for name in style_names):
            blocks.append(Block(BlockKind.PARAGRAPH, text))
            continue
        num_id, ilvl = numbering or (style_names[0], 0)
        fmt = formats.get((num_id, ilvl))
        numbered = fmt not in ("bullet", "none") if fmt else any("number" in n.lower() or "编号" in n
                                                                 for n in style_names)
        for key in [k for k in counters if k[0] == num_id and k[1] > ilvl]:
            del counters[key]  # a shallower item restarts the numbering of the deeper levels
        counters[(num_id, ilvl)] = counters.get((num_id, ilvl), 0) + 1
        if STEP_MARKER.match(text):
            blocks.append(Block(BlockKind.STEP, text))
        else:
            marker = f"{counters[(num_id, ilvl)]}." if numbered else "-"
            blocks.append(Block(BlockKind.STEP, f"{marker} {text}"))
    return blocks


def _docx_style_chain(paragraph: DocxParagraph) -> list[str]:
    """The paragraph's style name and those it is based on, nearest first."""
    names: list[str] = []
    style = paragraph.style
    while style is not None and len(names) < 8:
        names.append(style.name or "")
        style = style.base_style
    return names


def _docx_heading_level(style_names: list[str]) -> int:
    # Title is level 1, so "Heading N" sits at N + 1 whether or not the document has a title.
    for name in style_names:
        match = _DOCX_HEADING_STYLE.match(name.strip())
        if match:
            return int(match.group(1)) + 1
        if _DOCX_TITLE_STYLE.match(name.strip()):
            return 1
    return 0


def _docx_numbering(paragraph: DocxParagraph) -> tuple[str, int] | None:
    """(numId, level) of a paragraph with list numbering, set on it or on its style."""
    sources = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None and len(sources) < 8:
        sources.append(style.element.pPr)
        style = style.base_style
    for ppr in sources:
        num_pr = ppr.numPr if ppr is not None else None
        if num_pr is not None and num_pr.numId is not None:
            if num_pr.numId.val == 0:  # numId 0 explicitly removes numbering
                return None
            return str(num_pr.numId.val), num_pr.ilvl.val if num_pr.ilvl is not None else 0
    return None


def _docx_numbering_formats(document: DocxDocument) -> dict[tuple[str, int], str]:
    """(numId, level) -> number format ("decimal", "bullet", ...) from the numbering part."""
    numbering = document.part.numbering_part.element
    abstract = {
        (a.get(_W + "abstractNumId"), int(lvl.get(_W + "ilvl", 0))): fmt.get(_W + "val")
        for a in numbering.findall(_W + "abstractNum")
        for lvl in a.findall(_W + "lvl")
        for fmt in lvl.findall(_W + "numFmt")
    }
    formats: dict[tuple[str, int], str] = {}
    for num in numbering.findall(_W + "num"):
        ref = num.find(_W + "abstractNumId")
        if ref is None:
            continue
        for (abstract_id, ilvl), fmt in abstract.items():
            if abstract_id == ref.get(_W + "val"):
                formats[(num.get(_W + "numId"), ilvl)] = fmt
    return formats


def _docx_table(table: DocxTable) -> str:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is reported once per grid column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)
