"""Generate the PDF, DOCX and HTML sample guides from their Markdown sources.

The Markdown files in ``data/guide_sources/`` are the single source of truth; this script renders
them into ``data/guides/``. The output is deterministic (fixed timestamps and document ids), so
running it twice produces byte-identical files.

Usage::

    python data/build_guides.py
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    ListFlowable,
    ListItem,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import Paragraph as PdfParagraph

DATA_DIR = Path(__file__).resolve().parent
SOURCE_DIR = DATA_DIR / "guide_sources"
OUTPUT_DIR = DATA_DIR / "guides"

#: Fixed timestamp written into every generated file, so builds are reproducible.
BUILD_TIME = dt.datetime(2024, 3, 1, 9, 0, 0, tzinfo=dt.UTC)


# --------------------------------------------------------------------------------------------
# Markdown subset parser
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A ``#``/``##``/``###`` heading; level 1 is the document title."""

    level: int
    text: str


@dataclass(frozen=True)
class Para:
    """A plain paragraph (consecutive source lines joined with a space)."""

    text: str


@dataclass(frozen=True)
class ListBlock:
    """A numbered (``1.``) or bulleted (``-``) list."""

    ordered: bool
    items: tuple[str, ...]


@dataclass(frozen=True)
class Callout:
    """A ``> **WARNING:** ...`` block quote; ``label`` is e.g. WARNING, CAUTION, 注意, 警告."""

    label: str
    separator: str
    text: str


@dataclass(frozen=True)
class TableBlock:
    """A pipe table with one header row."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Para | ListBlock | Callout | TableBlock

_HEADING_RE = re.compile(r"^(#{1,3})\s+(.+?)\s*$")
_ORDERED_RE = re.compile(r"^\d+\.\s+(.*)$")
_BULLET_RE = re.compile(r"^[-*]\s+(.*)$")
_CALLOUT_RE = re.compile(r"^\*\*(.+?)([:：])\*\*\s*(.*)$")
_TABLE_RULE_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


def _split_row(line: str) -> tuple[str, ...]:
    """Split one ``| a | b |`` table line into stripped cells."""
    return tuple(cell.strip() for cell in line.strip().strip("|").split("|"))


def parse_markdown(text: str) -> list[Block]:
    """Parse the Markdown subset used by the guide sources into blocks."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            i += 1
            continue
        if match := _HEADING_RE.match(line):
            blocks.append(Heading(len(match.group(1)), match.group(2)))
            i += 1
        elif line.startswith("|"):
            table_lines: list[str] = []
            while i < len(lines) and lines[i].startswith("|"):
                table_lines.append(lines[i])
                i += 1
            body = [row for row in table_lines[1:] if not _TABLE_RULE_RE.match(row.strip())]
            blocks.append(TableBlock(_split_row(table_lines[0]), tuple(_split_row(r) for r in body)))
        elif line.startswith(">"):
            quote: list[str] = []
            while i < len(lines) and lines[i].startswith(">"):
                quote.append(lines[i].lstrip(">").strip())
                i += 1
            joined = " ".join(q for q in quote if q)
            if match := _CALLOUT_RE.match(joined):
                blocks.append(Callout(match.group(1), match.group(2), match.group(3)))
            else:
                blocks.append(Para(joined))
        elif _ORDERED_RE.match(line) or _BULLET_RE.match(line):
            ordered = bool(_ORDERED_RE.match(line))
            pattern = _ORDERED_RE if ordered else _BULLET_RE
            items: list[str] = []
            while i < len(lines) and (match := pattern.match(lines[i].rstrip())):
                items.append(match.group(1))
                i += 1
            blocks.append(ListBlock(ordered, tuple(items)))
        else:
            para: list[str] = []
            while i < len(lines) and lines[i].strip() and not _starts_block(lines[i]):
                para.append(lines[i].strip())
                i += 1
            blocks.append(Para(_join_lines(para)))
    return blocks


def _starts_block(line: str) -> bool:
    """Whether a line begins a non-paragraph block (heading, table, quote or list)."""
    return bool(
        _HEADING_RE.match(line)
        or line.startswith(("|", ">"))
        or _ORDERED_RE.match(line)
        or _BULLET_RE.match(line)
    )


def _join_lines(parts: Sequence[str]) -> str:
    """Join wrapped source lines; no space is inserted between two CJK characters."""
    out = ""
    for part in parts:
        if out and not (_is_cjk(out[-1]) and _is_cjk(part[0])):
            out += " "
        out += part
    return out


def _is_cjk(char: str) -> bool:
    """Return True for CJK ideographs and full-width punctuation."""
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def document_title(blocks: Sequence[Block]) -> str:
    """Return the text of the first level-1 heading."""
    return next(b.text for b in blocks if isinstance(b, Heading) and b.level == 1)


def plain(text: str) -> str:
    """Inline Markdown removed (only ``**bold**`` is used in the sources)."""
    return _BOLD_RE.sub(r"\1", text)


def is_cjk_text(text: str) -> bool:
    """Whether a source is mainly Chinese (more than 20% CJK characters)."""
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    return cjk > 0.2 * max(1, len(text.replace(" ", "")))


# --------------------------------------------------------------------------------------------
# PDF (reportlab)
# --------------------------------------------------------------------------------------------

_PDF_FONT = "Helvetica"
_PDF_BOLD = "Helvetica-Bold"
_PDF_STYLES: dict[str, ParagraphStyle] = {
    "h1": ParagraphStyle("h1", fontName=_PDF_BOLD, fontSize=17, leading=21, spaceAfter=8),
    "h2": ParagraphStyle("h2", fontName=_PDF_BOLD, fontSize=13, leading=16, spaceBefore=10, spaceAfter=5),
    "h3": ParagraphStyle("h3", fontName=_PDF_BOLD, fontSize=11, leading=14, spaceBefore=7, spaceAfter=3),
    "body": ParagraphStyle("body", fontName=_PDF_FONT, fontSize=9.5, leading=12.5, spaceAfter=5,
                           alignment=TA_LEFT),
    "cell": ParagraphStyle("cell", fontName=_PDF_FONT, fontSize=8.5, leading=10.5),
    "cell_head": ParagraphStyle("cell_head", fontName=_PDF_BOLD, fontSize=8.5, leading=10.5),
}


def _pdf_inline(text: str) -> str:
    """Escape text for a reportlab Paragraph and turn ``**x**`` into ``<b>x</b>``."""
    return _BOLD_RE.sub(r"<b>\1</b>", html.escape(text, quote=False))


class _OutlinedHeading(PdfParagraph):
    """A heading paragraph that also becomes a PDF outline (bookmark) entry."""

    def __init__(self, text: str, level: int, key: str) -> None:
        super().__init__(_pdf_inline(text), _PDF_STYLES[f"h{level}"])
        self.outline_text = plain(text)
        self.outline_level = level - 1  # outline levels are 0-based
        self.outline_key = key
        self.keepWithNext = True


class _ManualDocTemplate(BaseDocTemplate):
    """A5 manual layout: running header with the guide title, ``Page N`` footer, bookmarks."""

    def __init__(self, target: io.BytesIO, title: str, author: str) -> None:
        super().__init__(
            target,
            pagesize=A5,
            leftMargin=14 * mm,
            rightMargin=14 * mm,
            topMargin=18 * mm,
            bottomMargin=16 * mm,
            title=title,
            author=author,
            subject="Care and maintenance manual",
            creator="data/build_guides.py",
            invariant=True,
        )
        self.guide_title = title
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

    def _decorate(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """Draw the running header and the page-number footer."""
        width, height = self.pagesize
        canvas.saveState()
        canvas.setFont(_PDF_FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(self.leftMargin, height - 11 * mm, self.guide_title)
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.setLineWidth(0.4)
        canvas.line(self.leftMargin, height - 12.5 * mm, width - self.rightMargin, height - 12.5 * mm)
        canvas.line(self.leftMargin, 11.5 * mm, width - self.rightMargin, 11.5 * mm)
        canvas.drawCentredString(width / 2, 8 * mm, f"Page {doc.page}")
        canvas.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:
        """Register every heading as an outline entry pointing at its page."""
        if isinstance(flowable, _OutlinedHeading):
            self.canv.bookmarkPage(flowable.outline_key)
            self.canv.addOutlineEntry(
                flowable.outline_text, flowable.outline_key, level=flowable.outline_level, closed=False
            )


def _pdf_table(block: TableBlock, width: float) -> Table:
    """Build a grid table whose column widths follow the length of the longest cell."""
    data = [[PdfParagraph(_pdf_inline(c), _PDF_STYLES["cell_head"]) for c in block.header]]
    data += [[PdfParagraph(_pdf_inline(c), _PDF_STYLES["cell"]) for c in row] for row in block.rows]
    all_rows = (block.header, *block.rows)
    longest = [max(len(plain(row[i])) for row in all_rows) for i in range(len(block.header))]
    weights = [min(max(n, 6), 60) ** 0.8 for n in longest]
    col_widths = [width * w / sum(weights) for w in weights]
    table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E4E4E4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    return table


def _pdf_callout(block: Callout, width: float) -> Table:
    """Build a boxed, shaded callout (WARNING / CAUTION)."""
    text = f"<b>{html.escape(block.label)}{block.separator}</b> {_pdf_inline(block.text)}"
    box = Table([[PdfParagraph(text, _PDF_STYLES["body"])]], colWidths=[width])
    box.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 1.0, colors.HexColor("#B03A2E")),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FBEDEA")),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
    ]))
    return box


def render_pdf(blocks: Sequence[Block], author: str) -> bytes:
    """Render blocks as an A5 manual with bookmarks, running header and page footer."""
    buffer = io.BytesIO()
    doc = _ManualDocTemplate(buffer, plain(document_title(blocks)), author)
    story: list[Flowable] = []
    for number, block in enumerate(blocks):
        if isinstance(block, Heading):
            story.append(_OutlinedHeading(block.text, block.level, key=f"h{number}"))
        elif isinstance(block, Para):
            story.append(PdfParagraph(_pdf_inline(block.text), _PDF_STYLES["body"]))
        elif isinstance(block, ListBlock):
            items = [ListItem(PdfParagraph(_pdf_inline(t), _PDF_STYLES["body"])) for t in block.items]
            story.append(ListFlowable(
                items,
                bulletType="1" if block.ordered else "bullet",
                bulletFormat="%s." if block.ordered else None,
                bulletFontName=_PDF_FONT,
                bulletFontSize=9.5,
                leftIndent=14,
                # An en dash, not U+2022: Helvetica's bullet glyph extracts as "\x7f" with pypdf.
                start=None if block.ordered else "\u2013",
            ))
        elif isinstance(block, TableBlock):
            story += [_pdf_table(block, doc.width), Spacer(1, 6)]
        elif isinstance(block, Callout):
            story += [_pdf_callout(block, doc.width), Spacer(1, 6)]
    doc.build(story)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# DOCX (python-docx)
# --------------------------------------------------------------------------------------------


def _docx_add_runs(paragraph: DocxParagraph, text: str) -> None:
    """Append text to a paragraph, making ``**x**`` spans bold runs."""
    for index, part in enumerate(_BOLD_RE.split(text)):
        if part:
            paragraph.add_run(part).bold = index % 2 == 1


def _docx_set_fonts(document: DocxDocument, east_asian: bool) -> None:
    """Give Normal and heading styles a Chinese (East Asian) font when the guide is Chinese."""
    document.styles["Normal"].font.size = Pt(10.5)
    if not east_asian:
        return
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Intense Quote"):
        r_pr = document.styles[name].element.get_or_add_rPr()
        fonts = r_pr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            r_pr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), "SimHei" if name.startswith("Heading") else "SimSun")
        lang = r_pr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            r_pr.append(lang)
        lang.set(qn("w:eastAsia"), "zh-CN")


def _docx_restart_numbering(document: DocxDocument) -> int:
    """Create a new numbering instance of the List Number style that starts again at 1."""
    numbering = document.part.numbering_part.element
    style_num_id = document.styles["List Number"].element.pPr.numPr.numId.val
    abstract_id = numbering.num_having_numId(style_num_id).abstractNumId.val
    num = numbering.add_num(abstract_id)
    num.add_lvlOverride(ilvl=0).add_startOverride(1)
    return int(num.numId)


def _docx_number_paragraph(paragraph: DocxParagraph, num_id: int) -> None:
    """Attach a paragraph to a numbering instance at list level 0."""
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = 0
    num_pr.get_or_add_numId().val = num_id


def _docx_mark_header_row(table: DocxTable) -> None:
    """Mark the first row as a header row that repeats on every page."""
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def render_docx(blocks: Sequence[Block], author: str, east_asian: bool) -> bytes:
    """Render blocks with Heading 1-3, List Number/List Bullet, Table Grid and Intense Quote callouts."""
    document = docx.Document()
    _docx_set_fonts(document, east_asian)
    props = document.core_properties
    props.title = plain(document_title(blocks))
    props.author = author
    props.last_modified_by = props.author
    props.created = props.modified = BUILD_TIME.replace(tzinfo=None)
    props.revision = 1
    props.language = "zh-CN" if east_asian else "en-US"

    for block in blocks:
        if isinstance(block, Heading):
            heading = document.add_heading(level=block.level)
            _docx_add_runs(heading, block.text)
        elif isinstance(block, Para):
            _docx_add_runs(document.add_paragraph(), block.text)
        elif isinstance(block, ListBlock):
            num_id = _docx_restart_numbering(document) if block.ordered else 0
            for item in block.items:
                paragraph = document.add_paragraph(style="List Number" if block.ordered else "List Bullet")
                _docx_add_runs(paragraph, item)
                if block.ordered:
                    _docx_number_paragraph(paragraph, num_id)
        elif isinstance(block, TableBlock):
            table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
            table.style = document.styles["Table Grid"]
            for r, row in enumerate((block.header, *block.rows)):
                for c, text in enumerate(row):
                    cell_paragraph = table.cell(r, c).paragraphs[0]
                    _docx_add_runs(cell_paragraph, f"**{text}**" if r == 0 else text)
            _docx_mark_header_row(table)
            document.add_paragraph()
        elif isinstance(block, Callout):
            paragraph = document.add_paragraph(style="Intense Quote")
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
            label = paragraph.add_run(f"{block.label}{block.separator}")
            label.bold = True
            label.font.color.rgb = RGBColor(0xB0, 0x3A, 0x2E)
            _docx_add_runs(paragraph, (" " if block.separator == ":" else "") + block.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return _normalise_zip(buffer.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip archive with fixed member timestamps so that builds are byte-identical."""
    out = io.BytesIO()
    stamp = BUILD_TIME.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_NBSP_RE = re.compile(r"(\d) (?=[A-Za-zμ°])")

# The page imitates a vendor support site: the header, navigation, breadcrumb, footer, cookie notice,
# <style> and <script> are deliberate boilerplate that a loader must not mistake for guide content.
_HTML_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | 清屿科技服务支持</title>
<style>
  body {{ font-family: "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; color: #222; }}
  header.site, footer.site {{ background: #F3F6F8; padding: 12px 24px; }}
  nav a {{ margin-right: 16px; color: #0A6E8A; text-decoration: none; }}
  main {{ max-width: 860px; margin: 0 auto; padding: 16px 24px; line-height: 1.7; }}
  table {{ border-collapse: collapse; margin: 12px 0; }}
  th, td {{ border: 1px solid #BBB; padding: 4px 10px; text-align: left; }}
  .warning {{ border-left: 4px solid #C0392B; background: #FDEDEC; padding: 8px 12px; margin: 12px 0; }}
</style>
<script>
  window.dataLayer = window.dataLayer || [];
  window.dataLayer.push({{"page": "support/manual"}});
</script>
</head>
<body>
<header class="site">
  <div class="brand">清屿科技 QINGYU</div>
  <nav class="main-nav" aria-label="主导航">
    <a href="/">首页</a><a href="/products">产品中心</a><a href="/support">服务支持</a>
    <a href="/shop/filters">滤网购买</a><a href="/account">登录&nbsp;/&nbsp;注册</a>
  </nav>
</header>
<nav class="breadcrumb" aria-label="面包屑">
  <a href="/">首页</a> &rsaquo; <a href="/support">服务支持</a> &rsaquo;
  <a href="/support/qy-600">QY-600</a> &rsaquo; 维护保养指南
</nav>
<main>
<article class="manual">
{body}
</article>
</main>
<footer class="site">
  <p>&copy; 2024 清屿科技有限公司 版权所有 &nbsp;|&nbsp; <a href="/privacy">隐私政策</a>
     &nbsp;|&nbsp; <a href="/contact">联系我们 &amp; 售后网点</a></p>
  <p class="cookie-notice">本网站使用 Cookie 改善浏览体验。继续浏览即表示您同意我们的 Cookie 政策。</p>
</footer>
</body>
</html>
"""


def _html_inline(text: str) -> str:
    """Escape text, then add ``<strong>``, ``&deg;`` and ``&nbsp;`` between numbers and units."""
    escaped = html.escape(text, quote=False).replace("°", "&deg;")
    escaped = _NBSP_RE.sub(r"\1&nbsp;", escaped)
    return _BOLD_RE.sub(r"<strong>\1</strong>", escaped)


def render_html(blocks: Sequence[Block]) -> bytes:
    """Render blocks as a support-site page: semantic h1-h3, lists, tables and warning divs."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"<h{block.level}>{_html_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            parts.append(f"<p>{_html_inline(block.text)}</p>")
        elif isinstance(block, ListBlock):
            tag = "ol" if block.ordered else "ul"
            items = "\n".join(f"  <li>{_html_inline(item)}</li>" for item in block.items)
            parts.append(f"<{tag}>\n{items}\n</{tag}>")
        elif isinstance(block, TableBlock):
            head = "".join(f"<th>{_html_inline(c)}</th>" for c in block.header)
            rows = "\n".join(
                "  <tr>" + "".join(f"<td>{_html_inline(c)}</td>" for c in row) + "</tr>" for row in block.rows
            )
            parts.append(f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>")
        elif isinstance(block, Callout):
            label = html.escape(block.label + block.separator)
            body = _html_inline(block.text)
            parts.append(f'<div class="warning"><p><strong>{label}</strong>{body}</p></div>')
    page = _HTML_PAGE.format(title=html.escape(plain(document_title(blocks))), body="\n".join(parts))
    return page.encode("utf-8")


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One generated guide: its Markdown source, output file (the suffix picks the format) and author."""

    source: str
    output: str
    author: str

    def render(self, text: str) -> bytes:
        """Render the Markdown source text into the output format."""
        blocks = parse_markdown(text)
        suffix = Path(self.output).suffix
        if suffix == ".pdf":
            return render_pdf(blocks, self.author)
        if suffix == ".docx":
            return render_docx(blocks, self.author, east_asian=is_cjk_text(text))
        if suffix == ".html":
            return render_html(blocks)
        raise ValueError(f"unsupported output format: {self.output}")


TARGETS: tuple[Target, ...] = (
    Target("camping_stove_en.md", "camping_stove_en.pdf", "Emberline Outdoor Equipment"),
    Target("washing_machine_zh.md", "washing_machine_zh.docx", "澜净电器 用户服务中心"),
    Target("air_purifier_zh.md", "air_purifier_zh.html", "清屿科技"),
)


def build(source_dir: Path = SOURCE_DIR, output_dir: Path = OUTPUT_DIR) -> list[Path]:
    """Render every target and return the paths written."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for target in TARGETS:
        path = output_dir / target.output
        path.write_bytes(target.render((source_dir / target.source).read_text(encoding="utf-8")))
        written.append(path)
    return written


def main() -> None:
    """Build all generated guides and list them."""
    for path in build():
        print(f"wrote {path.relative_to(DATA_DIR.parent)} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
