"""Text cleaning shared by the loaders: Unicode and entity normalisation, line joining, and the
removal of page furniture (running headers/footers, page numbers) and tables of contents."""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from ingest.document import Block, BlockKind
from ingest.text import CJK_CHAR, CJK_RANGES, ENDS_SENTENCE, SENTENCE_FINAL
from ingest.text import is_page_number as is_page_number_line

# Full-width punctuation NFKC would turn into ASCII (，！？；：（）…), which Chinese text keeps, and the
# circled numbers a Chinese manual marks its steps with (① would become a bare 1).
_KEEP_FULLWIDTH = "".join(
    chr(c) for c in range(0xFF01, 0xFF5F) if unicodedata.category(chr(c)).startswith("P")
) + "…‥①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_KEEP_SPLIT = re.compile(f"([{re.escape(_KEEP_FULLWIDTH)}]+)")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_HSPACE = re.compile(r"[^\S\n]+")
# One space between two CJK characters: a PDF converter splitting a word ("滤 网"), never Chinese spelling.
_CJK_SPLIT = re.compile(f"(?<=[{CJK_RANGES}]) (?=[{CJK_RANGES}])")

# "Cleaning ........ 12", "清洁保养……………… 12", "Safety · · · · 3"
_TOC_LEADER_LINE = re.compile(
    r"^\S.*?\s*(?:(?:[.．·・⋯…]\s?){3,}|…{2,})\s*(?:\d{1,4}|(?=[ivx])x{0,2}(?:ix|iv|v?i{0,3}))$", re.IGNORECASE
)
# A TOC entry without leaders, only trusted right after a TOC title: "3.2 Cleaning the filter  12"
_TOC_ENTRY_LINE = re.compile(r"^\S.{0,100}?\s\d{1,4}$")
_TOC_TITLE = re.compile(r"^(?:table\s+of\s+contents|contents|index|目\s*录|索\s*引)$", re.IGNORECASE)
_LABELS = r"(?:注意|警告|小心|危险|说明|提示|重要|注|note|notice|warning|caution|danger|important|tip)s?"
_CALLOUT_LABEL = re.compile(rf"^[⚠△!！*\s]*{_LABELS}\s*[:：!！]*$", re.IGNORECASE)
# A paragraph opening with a label: "WARNING: ...", "注意：...", "NOTE  ..." (a converter's double space).
_CALLOUT_START = re.compile(rf"^[⚠△!！\s]*{_LABELS}(?:\s*[:：!！]|\s{{2,}}\S|$)", re.IGNORECASE)
# Lines a repeated header/footer is compared by: digits vary from page to page ("Page 3", "Chapter 2 · 17").
_DIGITS = re.compile(r"\d+")

MAX_HEADING_CHARS = 120  # a longer "heading" is a paragraph a converter mis-styled
CONVERTED_SPLITS_PER_1000 = 5  # split words per 1,000 CJK characters that mark converted text...
MIN_CONVERTED_SPLITS = 3  # ...and at least this many ("第一章 日常清洁" alone is an author's space)
FURNITURE_ZONE = 2  # lines at the top and at the bottom of a page that may be a running header/footer
RECURRING_LINE = 3  # a short line standing alone this often in one document is a running header/footer...
MAX_FURNITURE_CHARS = 60  # ...when it is at most this long and does not end a sentence


def decode_entities(text: str) -> str:
    """Decode HTML entities that converters leave behind (&nbsp; &deg; &amp;); only well-formed
    ones with a semicolon, so text such as "a&copy=1" in a URL is left alone."""
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)


def normalize_unicode(text: str) -> str:
    """NFKC (ligatures, full-width letters and digits, compatibility forms) except full-width
    punctuation and circled numbers, which Chinese text needs as is; drops soft hyphens, zero-width and
    control chars."""
    parts = _KEEP_SPLIT.split(_INVISIBLE.sub("", text))
    # split() with a capture group alternates: even = normalisable text, odd = kept punctuation.
    return "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(parts))


def is_cjk(char: str) -> bool:
    return bool(CJK_CHAR.match(char))


def join_lines(lines: Iterable[str]) -> str:
    """Join the hard-wrapped lines of one paragraph: a word broken at a line end is rejoined
    ("main-" + "tenance" -> "maintenance"), words get a space between them, but Chinese meeting
    Chinese (or CJK punctuation) gets none, where a space would be wrong."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out[-1] == "-" and len(out) > 1 and out[-2].isalpha() and line[0].islower():
            out = out[:-1] + line
        elif (is_cjk(out[-1]) and is_cjk(line[0])) or _is_cjk_punct(out[-1]) or _is_cjk_punct(line[0]):
            out += line
        else:
            out += " " + line
    return out


def _is_cjk_punct(char: str) -> bool:
    return is_cjk(char) and not char.isalnum()


def looks_split(texts: Iterable[str]) -> bool:
    """Whether Chinese text was split by a converter (a PDF turned into text or Markdown): single
    spaces between CJK characters at a rate authored text does not show (a brand name or two at most)."""
    cjk = splits = 0
    for text in texts:
        cjk += len(CJK_CHAR.findall(text))
        splits += len(_CJK_SPLIT.findall(text))
    return splits >= MIN_CONVERTED_SPLITS and splits * 1000 >= CONVERTED_SPLITS_PER_1000 * cjk


def rejoin_cjk(text: str) -> str:
    """Chinese that conversion split rejoined: a single space between two CJK characters goes (wider
    gaps, such as table columns laid out with spaces, stay). Only for converted text: an author's
    space between two names ("北极羽 极光 800") is meant."""
    return _CJK_SPLIT.sub("", text)


def collapse_whitespace(text: str) -> str:
    """Collapse runs of spaces/tabs to one space, strip each line and drop empty lines."""
    lines = (_HSPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def clean_text(text: str) -> str:
    """The normalisation every block's text goes through."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return collapse_whitespace(normalize_unicode(decode_entities(text)))


def is_toc_line(line: str) -> bool:
    """A table-of-contents entry with dot leaders; such a line is never content."""
    return bool(_TOC_LEADER_LINE.match(line.strip()))


def is_toc_title(text: str) -> bool:
    return bool(_TOC_TITLE.match(text.strip()))


def is_callout_label(text: str) -> bool:
    """A bare callout label ("注意！", "WARNING", "说明：") that introduces the text after it."""
    return bool(_CALLOUT_LABEL.match(text.strip()))


def starts_with_callout(text: str) -> bool:
    """A paragraph that is a callout: it opens with a label such as "WARNING:" or "注意："."""
    return bool(_CALLOUT_START.match(text))


def page_furniture(pages: Sequence[Sequence[str]]) -> list[set[int]]:
    """Indices, per page, of lines that are page furniture rather than content: page numbers and
    lines that recur (digits aside) at the top or bottom of several pages."""
    zones: list[list[tuple[int, str]]] = []
    for lines in pages:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edge = filled[:FURNITURE_ZONE] + filled[-FURNITURE_ZONE:]
        zones.append([(i, _furniture_key(lines[i])) for i in sorted(set(edge))])
    seen = Counter(key for zone in zones for key in {k for _, k in zone})
    n_pages = len(pages)

    def recurring(key: str) -> bool:
        return seen[key] >= 3 or (seen[key] >= 2 and 2 * seen[key] >= n_pages)

    return [
        {i for i, key in zone if recurring(key) or is_page_number_line(pages[p][i])}
        for p, zone in enumerate(zones)
    ]


def remove_furniture(blocks: Sequence[Block]) -> list[Block]:
    """The page furniture a converter left in a manual made from a PDF (Markdown, text): page numbers
    and running headers or footers, recognised as short lines standing alone that recur (digits aside)
    across the document, dropped; a paragraph or step a page break cut is joined again ("纸屑和" + "沙土。"),
    and so is a table whose header the next page repeats. A PDF's own loader does this per page, where it
    sees the pages."""
    def candidate(block: Block, index: int, line: str) -> bool:
        # a list item is content however often a manual repeats it ("1. Switch off the unit")
        return not (block.kind is BlockKind.STEP and index == 0) and _may_be_furniture(line)

    every = [(block, i, line) for block in blocks for i, line in enumerate(block.text.split("\n"))]
    recurring = [line.strip() for block, i, line in every if block.kind not in _NOT_FURNITURE
                 and candidate(block, i, line)]
    counts = Counter(map(_furniture_key, recurring))
    # A recurring line is furniture when its page number changes ("3-12 | 星途 S7") or when it stands next
    # to a page number somewhere; else it may be content the guide repeats ("售后电话 400-820-1234"), and
    # its first occurrence stays.
    marked = {key for key, count in Counter(map(_furniture_key, set(recurring))).items() if count > 1}
    marked |= {_furniture_key(every[n + side][2]) for n in range(len(every)) if is_page_number_line(every[n][2])
               for side in (-1, 1) if 0 <= n + side < len(every)}
    seen: set[str] = set()

    def furniture(block: Block, index: int, line: str) -> bool:
        if is_page_number_line(line):
            return True
        key = _furniture_key(line)
        if not candidate(block, index, line) or counts[key] < RECURRING_LINE:
            return False
        first = key not in seen
        seen.add(key)
        return key in marked or not first

    out: list[Block] = []
    cut = False  # furniture was dropped since the last block kept: a page ended there
    for block in blocks:
        lines = block.text.split("\n")
        kept = lines if block.kind in _NOT_FURNITURE else [
            line for i, line in enumerate(lines) if not furniture(block, i, line)]
        if not kept:
            cut = True
            continue
        block = block if len(kept) == len(lines) else replace(block, text="\n".join(kept))
        if cut and out and continues(out[-1], block):
            out[-1] = replace(out[-1], text=join_lines([out[-1].text, block.text]))
        elif cut and out and _same_table(out[-1], block):  # a table the page break cut, its header repeated
            out[-1] = replace(out[-1], text="\n".join([out[-1].text, *lines[1:]]))
        else:
            out.append(block)
        cut = False
    return out


def _same_table(block: Block, following: Block) -> bool:
    return (block.kind is BlockKind.TABLE and following.kind is BlockKind.TABLE
            and block.text.split("\n")[0] == following.text.split("\n")[0])


def callout_box(table: str) -> str | None:
    """A warning that a converter wrote as a one-row table ("警告 | 行驶中请勿调整座椅。"), as a callout's
    text ("警告：行驶中请勿调整座椅。"); None for a real table."""
    rows = table.split("\n")
    cells = [cell.strip() for cell in rows[0].split(" | ")]
    if len(rows) != 1 or len(cells) < 2 or not is_callout_label(cells[0]):
        return None
    label = cells[0].rstrip(":：")
    return f"{label}{'：' if CJK_CHAR.search(label) else ': '}{' '.join(cells[1:])}"


_NOT_FURNITURE = (BlockKind.HEADING, BlockKind.TABLE)


def _may_be_furniture(line: str) -> bool:
    """A line that may be furniture, if it recurs: short, not ending a sentence, not a callout's label
    ("WARNING" on a line of its own opens every warning of a manual)."""
    line = line.strip()
    return (bool(line) and len(line) <= MAX_FURNITURE_CHARS and not ENDS_SENTENCE.search(line)
            and not is_callout_label(line))


def continues(block: Block, following: Block) -> bool:
    """Whether `following` is the rest of `block`, cut mid-sentence by a page break."""
    return (
        block.kind not in _NOT_FURNITURE
        and following.kind is BlockKind.PARAGRAPH
        and not block.text.rstrip().endswith(SENTENCE_FINAL)
        and (following.text[:1].islower() or is_cjk(following.text[:1]))
    )


def _furniture_key(line: str) -> str:
    return _DIGITS.sub("#", _HSPACE.sub(" ", line.strip()).casefold())


def toc_line_mask(lines: Sequence[str]) -> list[bool]:
    """True for the lines of a flat line sequence (a PDF's pages) that belong to a table of
    contents: dot-leader entries, and a TOC title with the entry-like lines following it."""
    mask = [False] * len(lines)
    in_toc = False
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if is_toc_title(line):
            in_toc = mask[i] = True
        elif is_toc_line(line) or (in_toc and (_TOC_ENTRY_LINE.match(line) or is_page_number_line(line))):
            mask[i] = True
        else:
            in_toc = False
    return mask


def remove_toc(blocks: Sequence[Block]) -> list[Block]:
    """Drop tables of contents from loaded blocks: dot-leader lines anywhere, and whole TOC
    sections (a "Contents"/"目录" heading and the entry-like blocks under it)."""
    out: list[Block] = []
    in_toc = False
    for block in blocks:
        lines = block.text.split("\n")
        if block.kind is BlockKind.HEADING and is_toc_title(block.text):
            in_toc = True
            continue
        if in_toc and _is_toc_entry_block(block, lines):
            continue
        in_toc = False
        kept = [line for line in lines if not is_toc_line(line)]
        if kept:
            out.append(block if len(kept) == len(lines) else replace(block, text="\n".join(kept)))
    return out


def _is_toc_entry_block(block: Block, lines: Sequence[str]) -> bool:
    # Markdown TOCs are link lists without page numbers: short list items count as entries too.
    if block.kind is BlockKind.STEP and len(block.text) <= 80:
        return True
    return all(is_toc_line(line) or _TOC_ENTRY_LINE.match(line) for line in lines)
