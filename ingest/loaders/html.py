"""HTML: the page's content, without navigation, scripts and chrome."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from ingest.document import Block, BlockKind
from ingest.loaders.encoding import read_text
from ingest.text import CJK_RANGES

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


def load_html(path: Path) -> list[Block]:
    return html_blocks(read_text(path))


def html_blocks(markup: str) -> list[Block]:
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
        rows = [" | ".join(cells) for cells in _html_table(node)]
        blocks.append(Block(BlockKind.TABLE, "\n".join(row for row in rows if row.strip(" |"))))
    elif name == "pre":
        blocks.append(Block(BlockKind.PARAGRAPH, node.get_text()))
    elif name == "p":
        blocks.append(Block(BlockKind.PARAGRAPH, _html_text(node)))
    else:
        _html_walk(node, blocks, inline)
        _flush_inline(blocks, inline)


def _html_table(node: Tag) -> list[list[str]]:
    """The cells of each row. A cell spanning rows is repeated in each of them, so that every row reads
    alone ("235/55 R19 | 后轮 | 270" under a tyre size spanning two rows, as converters of PDF manuals
    write tables); a cell spanning columns is written once."""
    rows: list[list[str]] = []
    above: dict[int, tuple[str, int, int]] = {}  # column -> (text, rows still to fill, columns spanned)
    for tr in node.find_all("tr"):
        cells: list[str] = []
        column = _fill_from_above(cells, 0, above)
        for cell in tr.find_all(["th", "td"]):
            text = _html_text(cell).replace("\n", " ")
            height, width = _span(cell, "rowspan"), _span(cell, "colspan")
            cells.append(text)
            if height > 1:
                above[column] = (text, height - 1, width)
            column = _fill_from_above(cells, column + width, above)
        rows.append(cells)
    return rows


def _fill_from_above(cells: list[str], column: int, above: dict[int, tuple[str, int, int]]) -> int:
    """Append the cells that rows above span into this one from `column` on; the next free column."""
    while column in above:
        text, left, width = above.pop(column)
        cells.append(text)
        if left > 1:
            above[column] = (text, left - 1, width)
        column += width
    return column


def _span(cell: Tag, attribute: str) -> int:
    value = str(cell.get(attribute) or "1").strip()
    return max(1, min(int(value), 100)) if value.isdigit() else 1


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
