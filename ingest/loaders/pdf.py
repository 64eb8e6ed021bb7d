"""PDF: lines with their sizes; headings from the outline or font size, page furniture dropped."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from ingest.clean import (
    MAX_HEADING_CHARS,
    continues,
    join_lines,
    page_furniture,
    toc_line_mask,
)
from ingest.document import Block, BlockKind, LoadError
from ingest.loaders.lines import line_blocks

_PDF_HEADING_RATIO = 1.15  # a line this much larger than the body text is a heading
_PDF_PARAGRAPH_GAP = 1.3  # a line gap this much wider than the page's usual one starts a paragraph
_PDF_MAX_HEADING_LEVELS = 4




_Bookmark = tuple[str, int, int, float | None]  # title, level, 0-based page, top coordinate


@dataclass
class _PdfLine:
    text: str
    size: float
    y: float
    heading: int = 0  # heading level once decided
    row: bool = False  # a table row, its cells joined with " | "


_Piece = tuple[str, Counter[float], float, float]  # text, character count per font size, baseline, left x
_TABLE_ALIGN = 1.0  # points: cells of one column start at the same x, cells of one row on the same baseline
_CELL_LINE_GAP = 2.0  # a cell's wrapped lines are at most this many line heights apart
_MARKER_CELL = re.compile(r"^(?:\d{1,3}[.)、]|[(（]\d{1,3}[)）]|[①-⑳]|[-–—*•·▪●◆■])$")  # a list item's, drawn apart


def load_pdf(path: Path) -> list[Block]:
    """Text per page with 1-based page numbers. Running headers/footers, page numbers and the TOC
    are removed; headings come from the outline when there is one, else from font size."""
    reader = PdfReader(path)
    if reader.is_encrypted:
        try:
            decrypted = reader.decrypt("")
        except DependencyError as exc:
            raise LoadError(f"the PDF is encrypted and cannot be decrypted here ({exc})") from exc
        if decrypted == PasswordType.NOT_DECRYPTED:
            raise LoadError("the PDF is encrypted with a password")
    pages = [_pdf_page_lines(page) for page in reader.pages]
    if not any(line.text.strip() for lines in pages for line in lines):
        raise LoadError("the PDF has no text layer (scanned images?); run OCR on it first")

    # Furniture is found in visual order (content streams often draw the footer first). Without an
    # outline, heading-sized lines are headings, never furniture: a chapter title repeated on every
    # page is left for the chunker to skip, so its first occurrence still opens the section. The
    # body size those headings are measured against ignores the likely furniture.
    visual = [sorted(lines, key=lambda line: -line.y) for lines in pages]
    outline = _pdf_outline(reader)
    ranks: dict[float, int] = {}
    if not outline:
        ranks = _heading_size_ranks(visual, not_body=_furniture_ids(visual, lambda line: line.text))
    dropped = _furniture_ids(visual, lambda line: "" if line.size in ranks else line.text)
    pages = [[line for line in lines if id(line) not in dropped] for lines in pages]
    toc = iter(toc_line_mask([line.text for lines in pages for line in lines]))
    pages = [[line for line in lines if not next(toc)] for lines in pages]

    if outline:
        _mark_outline_headings(pages, outline)
    else:
        _mark_size_headings(pages, ranks)
    blocks: list[Block] = []
    for number, lines in enumerate(pages, start=1):
        page_blocks = _pdf_page_blocks(lines, number)
        if blocks and page_blocks and continues(blocks[-1], page_blocks[0]):
            blocks[-1] = replace(blocks[-1], text=join_lines([blocks[-1].text, page_blocks.pop(0).text]))
        blocks.extend(page_blocks)
    return blocks


def _furniture_ids(visual: list[list[_PdfLine]], text_of: Callable[[_PdfLine], str]) -> set[int]:
    furniture = page_furniture([[text_of(line) for line in lines] for lines in visual])
    return {id(line) for lines, drop in zip(visual, furniture) for i, line in enumerate(lines) if i in drop}


def _pdf_page_lines(page: object) -> list[_PdfLine]:
    """Lines of a page with their effective font size and baseline, from pypdf's text visitor."""
    fragments: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, font_size: float) -> None:
        if text:
            # Effective size and position come from the text matrix times the transformation matrix.
            m = [tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                 tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3],
                 tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]]
            fragments.append((text, abs(font_size) * math.hypot(m[2], m[3]), m[4], m[5]))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    raw: list[_Piece] = []
    text, sizes, x, y = "", Counter[float](), None, None
    for fragment, size, frag_x, frag_y in fragments:
        pieces = fragment.split("\n")
        for n, piece in enumerate(pieces):
            if piece.strip():
                sizes[round(size * 2) / 2] += len(piece.strip())
                x, y = (frag_x, frag_y) if y is None else (x, y)
            text += piece
            if n < len(pieces) - 1:
                if text.strip():
                    raw.append((text, sizes, y or 0.0, x or 0.0))
                text, sizes, x, y = "", Counter(), None, None
    if text.strip():
        raw.append((text, sizes, y or 0.0, x or 0.0))
    lines: list[_PdfLine] = []
    for item in _table_rows(raw):
        if isinstance(item, _PdfLine):
            lines.append(item)
        else:
            lines += [_PdfLine(text, sizes.most_common(1)[0][0], y) for text, sizes, y in _merge_baselines(item)]
    return lines


def _table_rows(raw: list[_Piece]) -> list[_PdfLine | list[_Piece]]:
    """Runs of pieces, with each table among them turned into its rows.

    A PDF table is drawn cell by cell: a cell's lines share an x and follow each other down, the cells
    of a row start on one baseline, and the rows of a table start their cells at the same x's. Two or
    more such rows are a table (a two-column page is one "row" at most: it is left as text).
    """
    starts: dict[float, set[float]] = {}
    for _, _, y, x in raw:
        starts.setdefault(round(y), set()).add(round(x))
    shared = {y for y, xs in starts.items() if len(xs) > 1}  # baselines where a row's cells could start

    def size(piece: _Piece) -> float:
        return piece[1].most_common(1)[0][0] if piece[1] else 0.0

    cells: list[list[_Piece]] = []
    for piece in raw:
        last = cells[-1][-1] if cells else None
        if last and abs(last[3] - piece[3]) < _TABLE_ALIGN and size(last) == size(piece) \
                and 0 < last[2] - piece[2] <= _CELL_LINE_GAP * max(size(piece), 1.0) \
                and (round(last[2]) in shared or round(piece[2]) not in shared):
            cells[-1].append(piece)  # the next line of a wrapped cell (a text line above is no cell's)
        else:
            cells.append([piece])
    rows: list[list[list[_Piece]]] = []
    for cell in cells:
        row = rows[-1] if rows else None
        if row and abs(row[-1][0][2] - cell[0][2]) < _TABLE_ALIGN and cell[0][3] > row[-1][0][3] + _TABLE_ALIGN:
            row.append(cell)
        else:
            rows.append([cell])

    def columns(row: list[list[_Piece]]) -> list[float]:
        return [cell[0][3] for cell in row]

    def aligned(a: list[list[_Piece]], b: list[list[_Piece]]) -> bool:
        return (len(a) == len(b) > 1 and not _MARKER_CELL.match(a[0][0][0].strip())
                and all(abs(x - y) < _TABLE_ALIGN for x, y in zip(columns(a), columns(b), strict=True)))

    out: list[_PdfLine | list[_Piece]] = []
    i = 0
    while i < len(rows):
        j = i + 1
        while j < len(rows) and aligned(rows[i], rows[j]):
            j += 1
        if j - i < 2:
            pieces = [piece for cell in rows[i] for piece in cell]
            if out and isinstance(out[-1], list):
                out[-1].extend(pieces)
            else:
                out.append(pieces)
        else:
            for row in rows[i:j]:
                sizes = sum((piece[1] for cell in row for piece in cell), Counter[float]())
                text = " | ".join(join_lines([piece[0].strip() for piece in cell]) for cell in row)
                out.append(_PdfLine(text, sizes.most_common(1)[0][0], row[0][0][2], row=True))
        i = j
    return out


def _merge_baselines(raw: list[_Piece]) -> list[tuple[str, Counter[float], float]]:
    """Join consecutive pieces pypdf broke apart on one baseline: a list number drawn apart from its text
    ("1." / "Check the valve")."""
    merged: list[tuple[str, Counter[float], float]] = []
    for text, sizes, y, _ in raw:
        if merged and abs(merged[-1][2] - y) < 1.0:
            previous, previous_sizes, previous_y = merged[-1]
            merged[-1] = (f"{previous.rstrip()} {text.lstrip()}", previous_sizes + sizes, previous_y)
        else:
            merged.append((text, sizes, y))
    return merged


def _pdf_outline(reader: PdfReader) -> list[_Bookmark]:
    """(title, level, 0-based page, top) of each bookmark, in outline order."""
    entries: list[_Bookmark] = []

    def walk(items: list[object], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            page = reader.get_destination_page_number(item)  # type: ignore[arg-type]
            title = str(getattr(item, "title", "") or "").strip()
            if title and page is not None and page >= 0:
                top = getattr(item, "top", None)
                entries.append((title, level, page, float(top) if isinstance(top, (int, float)) else None))

    walk(reader.outline, 1)
    return entries


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def _mark_outline_headings(pages: list[list[_PdfLine]], outline: list[_Bookmark]) -> None:
    """Mark the line each bookmark points at as a heading, or insert the bookmark's title where it
    points (by its top coordinate, else at the top of its page) when no line matches."""
    for title, level, page_index, top in outline:
        if page_index >= len(pages):
            continue
        lines = pages[page_index]
        wanted = _squash(title)
        for i, line in enumerate(lines):
            joined = _squash(line.text)
            if not line.heading and joined and (joined == wanted or (
                    wanted.startswith(joined) and i + 1 < len(lines)
                    and joined + _squash(lines[i + 1].text) == wanted)):
                line.heading = level
                if joined != wanted:  # a title wrapped over two lines
                    line.text = f"{line.text} {lines.pop(i + 1).text}"
                break
        else:
            at = 0
            if top is not None:
                below = (i for i, line in enumerate(lines) if line.y < top - 1 and not line.heading)
                at = next(below, len(lines))
            lines.insert(at, _PdfLine(title, 0.0, top or 0.0, heading=level))


def _heading_size_ranks(pages: list[list[_PdfLine]], not_body: set[int]) -> dict[float, int]:
    """Font sizes noticeably larger than the body's dominant size, ranked (largest = level 1)."""
    weights = Counter[float]()
    for lines in pages:
        for line in lines:
            if id(line) not in not_body:
                weights[line.size] += len(line.text)
    if not weights:
        return {}
    body = weights.most_common(1)[0][0]
    large = {
        line.size
        for lines in pages
        for line in lines
        if line.size >= body * _PDF_HEADING_RATIO and len(line.text.strip()) <= MAX_HEADING_CHARS
    }
    sizes = sorted(large, reverse=True)
    return {size: min(i + 1, _PDF_MAX_HEADING_LEVELS) for i, size in enumerate(sizes)}


def _mark_size_headings(pages: list[list[_PdfLine]], ranks: dict[float, int]) -> None:
    """Without an outline, heading-sized short lines are headings; wrapped heading lines of one
    size are joined."""
    for lines in pages:
        i = 0
        while i < len(lines):
            level = ranks.get(lines[i].size, 0) if len(lines[i].text.strip()) <= MAX_HEADING_CHARS else 0
            lines[i].heading = level
            if level and i > 0 and lines[i - 1].heading == level and lines[i - 1].size == lines[i].size:
                lines[i - 1].text += " " + lines.pop(i).text
                continue
            i += 1


def _pdf_page_blocks(lines: list[_PdfLine], page: int) -> list[Block]:
    """Group a page's lines into blocks: a heading line is a block, a list marker starts a step,
    and a wider vertical gap, a font change or a callout label starts a paragraph."""
    gaps = sorted(a.y - b.y for a, b in pairwise(lines) if a.y - b.y > 0 and not (a.heading or b.heading))
    usual = gaps[len(gaps) // 4] if gaps else 0.0  # a low quantile: paragraph gaps must not raise it
    blocks: list[Block] = []
    group: list[_PdfLine] = []

    def flush() -> None:
        if group:
            blocks.extend(line_blocks([line.text for line in group], page))
            group.clear()

    for line in lines:
        if line.heading:
            flush()
            blocks.append(Block(BlockKind.HEADING, line.text, line.heading, page))
            continue
        if line.row:
            flush()
            if blocks and blocks[-1].kind is BlockKind.TABLE and blocks[-1].page == page:
                blocks[-1] = replace(blocks[-1], text=f"{blocks[-1].text}\n{line.text}")
            else:
                blocks.append(Block(BlockKind.TABLE, line.text, page=page))
            continue
        if group:
            previous = group[-1]
            gap = previous.y - line.y
            if gap <= 0 or (usual and gap > usual * _PDF_PARAGRAPH_GAP) or abs(previous.size - line.size) > 1:
                flush()
        group.append(line)
    flush()
    return blocks
