"""Turn a guide file (.md .txt .pdf .docx .html) into a ParsedDocument of typed blocks.

Each format has one loader returning raw blocks; load_document cleans them the same way for all
formats and wraps every failure in a LoadError that names the file and says why."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from charset_normalizer import from_bytes
from docx import Document as open_docx
from docx.document import Document as DocxDocument
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from ingest.clean import (
    CJK_RANGES,
    MAX_HEADING_CHARS,
    clean_text,
    is_cjk,
    join_lines,
    page_furniture,
    remove_toc,
    starts_with_callout,
    toc_line_mask,
)
from ingest.document import Block, BlockKind, LoadError, ParsedDocument

SUPPORTED_SUFFIXES = frozenset({".md", ".txt", ".pdf", ".docx", ".html", ".htm"})

_GB_ENCODINGS = frozenset({"gb18030", "gbk", "gb2312", "hz"})
_STEP_MARKER = re.compile(
    r"^\s*(?:\d{1,3}[.)、](?!\d)|[(（]\d{1,3}[)）]|[①-⑳]|[-–—*•·▪●◆■]\s|第[一二三四五六七八九十\d]{1,3}步|步骤\s*\d{1,3})"
)
_TXT_HEADINGS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], int]], ...] = (
    (re.compile(r"^第[一二三四五六七八九十百\d]{1,4}[章部篇]"), lambda m: 1),
    (re.compile(r"^第[一二三四五六七八九十百\d]{1,4}节"), lambda m: 2),
    (re.compile(r"^[一二三四五六七八九十]{1,3}、"), lambda m: 1),
    (re.compile(r"^[(（][一二三四五六七八九十]{1,3}[)）]"), lambda m: 2),
    (re.compile(r"^\d{1,2}((?:\.\d{1,2})*)\s+\S"), lambda m: 1 + m.group(1).count(".")),
    (re.compile(r"^[A-Z][A-Z0-9 &,'/-]{2,}$"), lambda m: 1),
)
_SENTENCE_END = tuple(".。!！?？;；,，:：")
_SENTENCE_FINAL = tuple(".。!！?？:：")
_MD_HEADING_LINE = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)
_DOCX_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_DOCX_TITLE_STYLE = re.compile(r"^(?:title|标题)$", re.IGNORECASE)
_DOCX_LIST_STYLE = re.compile(r"list|列表|编号|项目符号", re.IGNORECASE)
_DOCX_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*\d|^toc heading$", re.IGNORECASE)
_HTML_DROP = frozenset({"script", "style", "nav", "noscript", "template", "head", "form", "button", "svg"})
_HTML_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_HTML_BLOCKS = frozenset({
    "address", "article", "blockquote", "body", "dd", "details", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "header", "hr", "html", "li", "main", "ol", "p", "pre",
    "section", "summary", "table", "ul",
})
_HTML_CALLOUT_CLASS = re.compile(
    r"(?:^|[-_])(?:warning|caution|note|danger|important|alert|notice|admonition)s?(?:[-_]|$)", re.IGNORECASE
)
_HTML_NAV_CLASS = re.compile(r"nav|menu|breadcrumb|sidebar|toc|related", re.IGNORECASE)
_HTML_CHROME_CLASS = re.compile(r"cookie|breadcrumb|skip-link", re.IGNORECASE)
_HTML_CJK_BREAK = re.compile(rf"(?<=[{CJK_RANGES}])\s*\n\s*(?=[{CJK_RANGES}])")
_HTML_SPACE = re.compile(r"\s+")
_HTML_NAV_ROLES = frozenset({"navigation", "banner", "contentinfo", "search"})
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PDF_HEADING_RATIO = 1.15  # a line this much larger than the body text is a heading
_PDF_PARAGRAPH_GAP = 1.4  # a line gap this much wider than the page's usual one starts a paragraph
_PDF_MAX_HEADING_LEVELS = 4


def load_document(path: Path, source: str) -> ParsedDocument:
    """Load one guide; raise LoadError naming the file and the reason when it cannot be read."""
    name = source if source.endswith(path.name) else f"{source} ({path.name})"
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise LoadError(f"{name}: unsupported file type {path.suffix or '(none)'!r}; supported: {supported}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"{name}: cannot read the file ({exc.strerror or exc})") from exc
    if size == 0:
        raise LoadError(f"{name}: the file is empty")
    try:
        blocks = _finish(loader(path))
    except LoadError as exc:
        raise LoadError(f"{name}: {exc}") from exc
    except Exception as exc:  # any parser failure on a malformed file must surface as a LoadError
        reason = f"{type(exc).__name__}: {exc}"
        raise LoadError(f"{name}: corrupt or not a valid {path.suffix.lower()} file ({reason})") from exc
    if not any(block.kind is not BlockKind.HEADING for block in blocks):
        raise LoadError(f"{name}: no text found in the file")
    return ParsedDocument(source=source, blocks=blocks)


def _finish(blocks: list[Block]) -> list[Block]:
    """Clean every block's text, drop empty ones and tables of contents, and mark callouts."""
    out: list[Block] = []
    for block in blocks:
        text = clean_text(block.text)
        if block.kind is BlockKind.HEADING:
            text = join_lines(text.split("\n"))
        if not text:
            continue
        kind = block.kind
        if kind is BlockKind.PARAGRAPH and starts_with_callout(text):
            kind = BlockKind.WARNING
        out.append(Block(kind, text, block.level, block.page))
    return remove_toc(out)


# ---- text files ---------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """Decode a text file: UTF-8 (with or without BOM), else the encoding charset-normalizer finds,
    preferring GB18030 among equally plausible CJK encodings since short Chinese text is ambiguous."""
    data = path.read_bytes()
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise LoadError("not a readable text file: its encoding cannot be detected (binary or corrupt data?)")
    gb = next((m for m in matches if m.encoding in _GB_ENCODINGS and m.chaos <= best.chaos + 0.05), None)
    return str(gb or best)


def load_markdown(path: Path) -> list[Block]:
    return _markdown_blocks(read_text(path))


def load_text(path: Path) -> list[Block]:
    """Plain text: paragraphs split on blank lines, numbered lines as steps, and headings guessed
    only from unambiguous shapes ("第一章", "2.1 Cleaning", "CLEANING"); markdown-like text is parsed
    as markdown."""
    text = read_text(path)
    if _MD_HEADING_LINE.search(text):
        return _markdown_blocks(text)
    blocks: list[Block] = []
    paragraphs = [p for p in re.split(r"\n[^\S\n]*\n", text.replace("\r\n", "\n")) if p.strip()]
    for index, paragraph in enumerate(paragraphs):
        lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
        level = _txt_heading_level(lines, is_first=index == 0)
        if level:
            blocks.append(Block(BlockKind.HEADING, lines[0], level))
        else:
            blocks.extend(_line_blocks(lines))
    return blocks


def _txt_heading_level(lines: list[str], is_first: bool) -> int:
    """The level of a one-line paragraph that looks like a heading, 0 otherwise; the file's first
    such line is its title (level 1), so the patterns' levels are shifted below it."""
    if len(lines) != 1:
        return 0
    line = lines[0]
    if len(line) > 60 or line.endswith(_SENTENCE_END) or starts_with_callout(line):
        return 0
    for pattern, level_of in _TXT_HEADINGS:
        match = pattern.match(line)
        if match:
            return 1 + level_of(match)
    return 1 if is_first and not _STEP_MARKER.match(line) else 0


def _line_blocks(lines: list[str], page: int | None = None) -> list[Block]:
    """Lines of one paragraph: a step starts at each list marker, other lines continue the block."""
    blocks: list[Block] = []
    kind, current = BlockKind.PARAGRAPH, []
    for line in lines:
        if _STEP_MARKER.match(line) or (current and starts_with_callout(line)):
            if current:
                blocks.append(Block(kind, join_lines(current), page=page))
            kind, current = (BlockKind.STEP if _STEP_MARKER.match(line) else BlockKind.PARAGRAPH), []
        current.append(line)
    if current:
        blocks.append(Block(kind, join_lines(current), page=page))
    return blocks


# ---- markdown -----------------------------------------------------------------------------------


@dataclass
class _MdItem:
    marker: str
    parts: list[str] = field(default_factory=list)
    emitted: bool = False


def _markdown_blocks(text: str) -> list[Block]:
    """Walk markdown-it's token stream: headings (ATX and setext), list items as steps, block
    quotes as callouts, GFM tables, code as paragraphs, embedded HTML through the HTML loader."""
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    blocks: list[Block] = []
    quote: list[str] = []
    quote_depth = 0
    lists: list[list[int] | None] = []  # per open list: [next number], or None for bullets
    items: list[_MdItem] = []
    table: list[str] = []
    row: list[str] = []

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
            emit(BlockKind.HEADING, _md_inline(tokens[i + 1]), int(token.tag[1]))
        elif kind == "inline" and tokens[i - 1].type == "paragraph_open":
            body = _md_inline(token)
            if items and not items[-1].emitted:
                items[-1].parts.append(body)
            else:
                emit(BlockKind.PARAGRAPH, body)
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
            emit(BlockKind.PARAGRAPH, token.content.rstrip("\n"))
        elif kind == "html_block":
            flush_item()
            for block in _html_blocks(token.content):
                emit(block.kind, block.text, block.level)
    return blocks


_BR = re.compile(r"^<br\s*/?>$", re.IGNORECASE)


def _md_inline(token: Token) -> str:
    """Inline markdown as plain text: emphasis and link syntax dropped (link text kept), images
    dropped, soft line breaks joined (CJK-aware), hard breaks kept."""
    groups: list[list[str]] = [[""]]
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            groups[-1][-1] += child.content
        elif child.type == "softbreak":
            groups[-1].append("")
        elif child.type == "hardbreak" or (child.type == "html_inline" and _BR.match(child.content)):
            groups.append([""])
    return "\n".join(join_lines(group) for group in groups)


# ---- HTML ---------------------------------------------------------------------------------------


def load_html(path: Path) -> list[Block]:
    return _html_blocks(read_text(path))


def _html_blocks(markup: str) -> list[Block]:
    """Headings, paragraphs, list items as steps, tables as pipe rows and callouts as warnings;
    navigation, page header/footer, scripts and styles are dropped."""
    soup = BeautifulSoup(markup, "html.parser")
    blocks: list[Block] = []
    _html_walk(soup.body or soup, blocks, [])
    return blocks


def _html_walk(node: Tag, blocks: list[Block], inline: list[str]) -> None:
    """Depth-first over the DOM; running text is buffered in `inline` and flushed as a paragraph
    at each block-level boundary."""
    for child in node.children:
        if type(child) is NavigableString:  # not a comment, CDATA or doctype
            inline.append(_html_string(child))
        elif isinstance(child, Tag) and not _html_dropped(child):
            _html_element(child, blocks, inline)


def _html_element(node: Tag, blocks: list[Block], inline: list[str]) -> None:
    name = node.name
    if name == "br":
        inline.append("\n")
        return
    if name not in _HTML_BLOCKS and name not in _HTML_HEADINGS and not _html_is_callout(node):
        _html_walk(node, blocks, inline)  # inline element: its text joins the running text
        return
    _flush_inline(blocks, inline)
    if name in _HTML_HEADINGS:
        blocks.append(Block(BlockKind.HEADING, _html_text(node), _HTML_HEADINGS[name]))
    elif _html_is_callout(node):
        inner: list[Block] = []
        buffer: list[str] = []
        _html_walk(node, inner, buffer)
        _flush_inline(inner, buffer)
        blocks.append(Block(BlockKind.WARNING, "\n".join(block.text for block in inner)))
    elif name in ("ul", "ol"):
        _html_list(node, blocks)
    elif name == "table":
        rows = [" | ".join(_html_text(cell).replace("\n", " ") for cell in tr.find_all(["th", "td"]))
                for tr in node.find_all("tr")]
        blocks.append(Block(BlockKind.TABLE, "\n".join(row for row in rows if row.strip(" |"))))
    elif name == "pre":
        blocks.append(Block(BlockKind.PARAGRAPH, node.get_text()))
    elif name == "p":
        blocks.append(Block(BlockKind.PARAGRAPH, _html_text(node)))
    else:
        _html_walk(node, blocks, inline)
        _flush_inline(blocks, inline)


def _html_list(node: Tag, blocks: list[Block]) -> None:
    """Each <li> a step ("1." in <ol>, honouring start=, "-" in <ul>); nested lists and tables
    inside an item follow it as blocks of their own."""
    start = str(node.get("start", "1"))
    number = int(start) if start.isdigit() else 1
    for item in node.find_all("li", recursive=False):
        marker = f"{number}." if node.name == "ol" else "-"
        number += 1
        nested = [sub.extract() for sub in item.find_all(["ul", "ol", "table"], recursive=False)]
        text = _html_text(item)
        if text.strip():
            blocks.append(Block(BlockKind.STEP, f"{marker} {text}"))
        for sub in nested:
            _html_element(sub, blocks, [])


def _flush_inline(blocks: list[Block], inline: list[str]) -> None:
    text = "".join(inline)
    inline.clear()
    if text.strip():
        blocks.append(Block(BlockKind.PARAGRAPH, text))


def _html_text(node: Tag) -> str:
    """The text of an element as rendered: <br> as a line break, dropped elements skipped."""
    parts: list[str] = []
    for child in node.children:
        if type(child) is NavigableString:
            parts.append(_html_string(child))
        elif isinstance(child, Tag) and not _html_dropped(child):
            parts.append("\n" if child.name == "br" else _html_text(child))
    return "".join(parts)


def _html_string(text: str) -> str:
    """Source line breaks in HTML text are spaces, except between Chinese characters."""
    return _HTML_SPACE.sub(" ", _HTML_CJK_BREAK.sub("", text))


def _html_classes(node: Tag) -> str:
    classes = node.get("class") or []
    return " ".join(classes) if isinstance(classes, list) else str(classes)


def _html_dropped(node: Tag) -> bool:
    """Navigation and page chrome; a <header>/<footer> inside an <article> is the article's own."""
    if node.name in _HTML_DROP or node.get("role") in _HTML_NAV_ROLES or node.has_attr("hidden"):
        return True
    if _HTML_CHROME_CLASS.search(_html_classes(node)):
        return True
    if "display:none" in str(node.get("style", "")).replace(" ", ""):
        return True
    if node.name in ("header", "footer"):
        return node.find_parent("article") is None
    if node.name == "aside":
        return bool(_HTML_NAV_CLASS.search(_html_classes(node)) or node.find("nav"))
    return False


def _html_is_callout(node: Tag) -> bool:
    if node.name == "aside":
        return True
    return node.get("role") == "alert" or any(
        _HTML_CALLOUT_CLASS.search(cls) for cls in _html_classes(node).split()
    )


# ---- DOCX ---------------------------------------------------------------------------------------


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
        if _STEP_MARKER.match(text):
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


# ---- PDF ----------------------------------------------------------------------------------------


_Bookmark = tuple[str, int, int, float | None]  # title, level, 0-based page, top coordinate


@dataclass
class _PdfLine:
    text: str
    size: float
    y: float
    heading: int = 0  # heading level once decided


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
        if blocks and page_blocks and _continues(blocks[-1], page_blocks[0]):
            blocks[-1] = replace(blocks[-1], text=join_lines([blocks[-1].text, page_blocks.pop(0).text]))
        blocks.extend(page_blocks)
    return blocks


def _continues(block: Block, following: Block) -> bool:
    """Whether a page's first paragraph is the rest of the previous page's last block, cut mid-sentence."""
    return (
        block.kind is not BlockKind.HEADING
        and block.kind is not BlockKind.TABLE
        and following.kind is BlockKind.PARAGRAPH
        and not block.text.rstrip().endswith(_SENTENCE_FINAL)
        and (following.text[:1].islower() or is_cjk(following.text[:1]))
    )


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
            fragments.append((text, abs(font_size) * math.hypot(m[2], m[3]), m[5]))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    raw: list[tuple[str, Counter[float], float]] = []
    text, sizes, y = "", Counter[float](), None
    for fragment, size, frag_y in fragments:
        pieces = fragment.split("\n")
        for n, piece in enumerate(pieces):
            if piece.strip():
                sizes[round(size * 2) / 2] += len(piece.strip())
                y = frag_y if y is None else y
            text += piece
            if n < len(pieces) - 1:
                if text.strip():
                    raw.append((text, sizes, y or 0.0))
                text, sizes, y = "", Counter(), None
    if text.strip():
        raw.append((text, sizes, y or 0.0))
    return [_PdfLine(text, sizes.most_common(1)[0][0], y) for text, sizes, y in _merge_baselines(raw)]


def _merge_baselines(raw: list[tuple[str, Counter[float], float]]) -> list[tuple[str, Counter[float], float]]:
    """Join consecutive pieces pypdf broke apart on one baseline: a list number drawn apart from
    its text ("1." / "Check the valve"), or the cells of one table row."""
    merged: list[tuple[str, Counter[float], float]] = []
    for text, sizes, y in raw:
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
            blocks.extend(_line_blocks([line.text for line in group], page))
            group.clear()

    for line in lines:
        if line.heading:
            flush()
            blocks.append(Block(BlockKind.HEADING, line.text, line.heading, page))
            continue
        if group:
            previous = group[-1]
            gap = previous.y - line.y
            if gap <= 0 or (usual and gap > usual * _PDF_PARAGRAPH_GAP) or abs(previous.size - line.size) > 1:
                flush()
        group.append(line)
    flush()
    return blocks


_LOADERS: dict[str, Callable[[Path], list[Block]]] = {
    ".md": load_markdown,
    ".txt": load_text,
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".html": load_html,
    ".htm": load_html,
}

