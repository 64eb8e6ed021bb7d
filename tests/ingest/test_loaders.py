"""Loaders on real files of each format, and the errors users see for files that cannot be read."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from ingest.chunking import chunk_document
from ingest.document import BlockKind, Chunk, LoadError
from ingest.loaders import SUPPORTED_SUFFIXES, load_document

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
HEADER = "ACME DW-200 Service Manual"


def count_tokens(text: str) -> int:
    return math.ceil(len(_CJK.findall(text)) + 1.3 * len(_CJK.sub(" ", text).split()))


def chunks_of(path: Path, max_tokens: int = 200) -> list[Chunk]:
    chunks = chunk_document(load_document(path, path.name), count_tokens, max_tokens, 20)
    assert all(count_tokens(c.text) <= max_tokens for c in chunks)
    return chunks


def kinds_and_texts(path: Path) -> list[tuple[str, str]]:
    return [(b.kind.value, b.text) for b in load_document(path, path.name).blocks]


# ---- PDF ----------------------------------------------------------------------------------------


class _PdfWriter:
    """Draws pages the way manuals look: running header and footer, headings, wrapped body lines."""

    def __init__(self, path: Path, pages: int, **kwargs: object) -> None:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        self.canvas = canvas.Canvas(str(path), pagesize=A4, **kwargs)
        self.pages, self.page, self.y = pages, 0, 0.0

    def new_page(self) -> None:
        if self.page:
            self.canvas.showPage()
        self.page += 1
        height = A4[1]
        self.canvas.setFont("Helvetica", 9)
        # The footer is drawn before the header and body, as many tools do.
        self.canvas.drawString(72, 30, f"Page {self.page} of {self.pages}")
        self.canvas.drawString(72, height - 40, HEADER)
        self.y = height - 90

    def heading(self, text: str, size: int, outline_level: int | None = None) -> None:
        self.canvas.setFont("Helvetica-Bold", size)
        self.canvas.drawString(72, self.y, text)
        if outline_level is not None:
            key = f"h{self.page}-{self.y}"
            self.canvas.bookmarkPage(key, fit="XYZ", top=self.y + size)
            self.canvas.addOutlineEntry(text, key, level=outline_level)
        self.y -= size + 10

    def lines(self, *lines: str, font: str = "Helvetica", after: float = 10) -> None:
        self.canvas.setFont(font, 11)
        for line in lines:
            self.canvas.drawString(72, self.y, line)
            self.y -= 14
        self.y -= after  # paragraph spacing

    def save(self) -> None:
        self.canvas.save()


@pytest.fixture
def manual_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "dw200.pdf"
    pdf = _PdfWriter(path, pages=4)
    pdf.new_page()
    pdf.lines("Contents")
    pdf.lines("Cleaning ........................ 2", "Storage ......................... 4")
    pdf.new_page()
    pdf.heading("Cleaning", 18, outline_level=0)
    pdf.heading("Filter", 14, outline_level=1)
    pdf.lines("Remove the filter every week. Regular main-", "tenance keeps the pump running.")
    pdf.lines("1. Turn the filter anticlockwise.")
    pdf.lines("2. Rinse it under running water.")
    pdf.lines("WARNING: Disconnect power before servicing.")
    pdf.new_page()
    pdf.lines("Cleaning")  # the chapter title repeated at the top of the page
    pdf.heading("Spray arms", 14, outline_level=1)
    # A converter's space inside a word ("电 源"), and a word broken at the line end ("喷" / "淋臂").
    pdf.lines("清洁喷淋臂时请先断开电 源，然后取下喷", "淋臂并用清水冲洗。", font="STSong-Light")
    pdf.new_page()
    pdf.heading("Storage", 18, outline_level=0)
    pdf.lines("Leave the door ajar when the machine", "is not in use.")
    pdf.save()
    return path


def test_pdf_sections_come_from_the_outline_with_their_pages(manual_pdf: Path) -> None:
    chunks = chunks_of(manual_pdf)
    assert [(c.section, c.page) for c in chunks] == [
        ("Cleaning > Filter", 2), ("Cleaning > Spray arms", 3), ("Storage", 4)
    ]


def test_a_pdf_paragraph_set_a_third_of_a_line_apart_is_its_own_block(tmp_path: Path) -> None:
    path = tmp_path / "tent.pdf"
    pdf = _PdfWriter(path, pages=1)
    pdf.new_page()
    pdf.heading("Drying", 14)
    pdf.lines("1. Pitch the tent in the shade.", after=5)  # 5 pt after 14 pt lines: a word processor's spacing
    pdf.lines("2. Leave it for at least 24 hours before", "packing it away.", after=5)
    pdf.lines("The coating on the floor is what keeps", "the rain out.")
    pdf.save()

    blocks = kinds_and_texts(path)
    assert blocks[blocks.index(("heading", "Drying")) + 1:] == [
        ("step", "1. Pitch the tent in the shade."),
        ("step", "2. Leave it for at least 24 hours before packing it away."),
        ("paragraph", "The coating on the floor is what keeps the rain out."),
    ]


def test_pdf_text_has_no_header_footer_page_numbers_or_toc(manual_pdf: Path) -> None:
    text = "\n".join(c.text for c in chunks_of(manual_pdf))
    assert HEADER not in text and "Page " not in text and "....." not in text
    assert "Contents" not in text
    assert "Cleaning" not in text  # the repeated chapter title is gone; the section keeps it


def test_pdf_lines_are_rejoined_into_paragraphs(manual_pdf: Path) -> None:
    blocks = kinds_and_texts(manual_pdf)
    dehyphenated = "Remove the filter every week. Regular maintenance keeps the pump running."
    assert ("paragraph", dehyphenated) in blocks
    assert ("paragraph", "清洁喷淋臂时请先断开电源，然后取下喷淋臂并用清水冲洗。") in blocks
    assert ("step", "1. Turn the filter anticlockwise.") in blocks
    assert ("warning", "WARNING: Disconnect power before servicing.") in blocks
    assert ("paragraph", "Leave the door ajar when the machine is not in use.") in blocks


def test_pdf_steps_and_warning_stay_in_one_chunk(manual_pdf: Path) -> None:
    filter_chunk = chunks_of(manual_pdf, max_tokens=40)
    steps = "1. Turn the filter anticlockwise.\n2. Rinse it under running water.\nWARNING: Disconnect power"
    assert any(steps in c.text for c in filter_chunk)


def test_pdf_without_outline_takes_headings_from_font_size(tmp_path: Path) -> None:
    path = tmp_path / "sizes.pdf"
    pdf = _PdfWriter(path, pages=2)
    pdf.new_page()
    pdf.heading("Dishwasher Care", 20)
    pdf.heading("Filter", 14)
    pdf.lines("Rinse the filter weekly.")
    pdf.new_page()
    pdf.heading("Dishwasher Care", 20)  # repeated on every page by the converter
    pdf.lines("Dry it in the shade.")
    pdf.heading("Door seal", 14)
    pdf.lines("Wipe the seal.")
    pdf.save()
    chunks = chunks_of(path)
    assert [(c.section, c.text, c.page) for c in chunks] == [
        ("Dishwasher Care > Filter", "Rinse the filter weekly.\nDry it in the shade.", 1),
        ("Dishwasher Care > Door seal", "Wipe the seal.", 2),
    ]


def test_a_pdf_table_drawn_cell_by_cell_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "table.pdf"
    pdf = _PdfWriter(path, pages=1)
    pdf.new_page()
    pdf.heading("Troubleshooting", 14)
    c = pdf.canvas
    c.setFont("Helvetica", 10)
    # cell by cell, a cell's wrapped lines one under the other, as converters draw tables
    rows = [[["Symptom"], ["What to do"]],
            [["No spark when", "the button is pressed"], ["Set the gap to 3 to 4 mm,", "then clean the tip"]],
            [["Yellow flame"], ["Clean the jet"]]]
    y = pdf.y
    for row in rows:
        for x, cell in zip((72, 250), row, strict=True):
            for n, line in enumerate(cell):
                c.drawString(x, y - 12 * n, line)
        y -= 12 * max(len(cell) for cell in row) + 6
    # a list whose numbers are drawn apart from their text is no table
    for n, step in enumerate(["Close the valve.", "Remove the jet."], start=1):
        c.drawString(72, y, f"{n}.")
        c.drawString(90, y, step)
        y -= 14
    # a page in two columns, drawn column by column, is text
    y -= 20
    for x, column in ((72, ["Store the stove dry,", "in its hard case."]), (300, ["Keep canisters cool,", "out of the sun."])):
        for n, line in enumerate(column):
            c.drawString(x, y - 12 * n, line)
    pdf.save()
    blocks = kinds_and_texts(path)
    assert not any(kind == "table" and "Store" in text for kind, text in blocks)
    rows = ("Symptom | What to do\nNo spark when the button is pressed | Set the gap to 3 to 4 mm, then clean the tip\n"
            "Yellow flame | Clean the jet")
    assert ("table", rows) in blocks
    assert ("step", "1. Close the valve.") in blocks and ("step", "2. Remove the jet.") in blocks


def test_corrupt_pdf_is_a_load_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(4096))
    with pytest.raises(LoadError, match=r"^broken\.pdf: corrupt or not a valid \.pdf file"):
        load_document(path, path.name)


def test_password_protected_pdf_says_so(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    pdf = _PdfWriter(path, pages=1, encrypt=StandardEncryption("secret", ownerPassword="owner"))
    pdf.new_page()
    pdf.lines("Secret text.")
    pdf.save()
    with pytest.raises(LoadError, match=r"locked\.pdf.*password"):
        load_document(path, path.name)


def test_pdf_encrypted_only_against_editing_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "owner.pdf"
    pdf = _PdfWriter(path, pages=1, encrypt=StandardEncryption("", ownerPassword="owner", canModify=0))
    pdf.new_page()
    pdf.lines("Readable text: the owner password only restricts editing,", "so anyone can still read it.")
    pdf.save()
    text = "Readable text: the owner password only restricts editing, so anyone can still read it."
    assert ("paragraph", text) in kinds_and_texts(path)


def test_scanned_pdf_without_text_layer_says_so(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    drawing = canvas.Canvas(str(path), pagesize=A4)
    drawing.rect(72, 72, 300, 400, fill=1)
    drawing.save()
    with pytest.raises(LoadError, match=r"scan\.pdf.*no text layer"):
        load_document(path, path.name)


# ---- DOCX ---------------------------------------------------------------------------------------


@pytest.fixture
def manual_docx(tmp_path: Path) -> Path:
    document = Document()
    document.add_heading("Espresso Machine Care", level=0)
    document.add_heading("Descaling", level=1)
    document.add_paragraph("Descale every month in hard-water areas.")
    document.add_paragraph().add_run("Before you start").bold = True
    document.add_paragraph("Empty the drip tray.", style="List Number")
    document.add_paragraph("Fill the tank with descaler.", style="List Number")
    document.add_paragraph("Wear gloves.", style="List Bullet")
    table = document.add_table(rows=3, cols=2)
    for i, row in enumerate([("Water hardness", "Interval"), ("Soft", "3 months"), ("Hard", "1 month")]):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    document.add_paragraph("Rinse twice after descaling.")
    document.add_heading("Milk system", level=1)
    document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("清洁奶泡管", style="标题 2")
    document.add_paragraph("注意：蒸汽很烫。")
    document.add_paragraph("Purge the wand.", style="List Number")
    path = tmp_path / "espresso.docx"
    document.save(str(path))
    return path


def test_docx_blocks_follow_styles_and_keep_tables_in_place(manual_docx: Path) -> None:
    assert kinds_and_texts(manual_docx) == [
        ("heading", "Espresso Machine Care"),
        ("heading", "Descaling"),
        ("paragraph", "Descale every month in hard-water areas."),
        ("paragraph", "Before you start"),  # bold but not heading-styled: not a heading
        ("step", "1. Empty the drip tray."),
        ("step", "2. Fill the tank with descaler."),
        ("step", "- Wear gloves."),
        ("table", "Water hardness | Interval\nSoft | 3 months\nHard | 1 month"),
        ("paragraph", "Rinse twice after descaling."),
        ("heading", "Milk system"),
        ("heading", "清洁奶泡管"),
        ("warning", "注意：蒸汽很烫。"),
        ("step", "1. Purge the wand."),
    ]


def test_docx_section_paths_include_title_and_chinese_headings(manual_docx: Path) -> None:
    sections = {c.section for c in chunks_of(manual_docx)}
    assert sections == {
        "Espresso Machine Care > Descaling",
        "Espresso Machine Care > Milk system > 清洁奶泡管",
    }


def test_corrupt_docx_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.docx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(512))
    with pytest.raises(LoadError, match=r"bad\.docx"):
        load_document(path, path.name)


# ---- HTML ---------------------------------------------------------------------------------------


def test_a_table_cell_spanning_rows_is_repeated_so_each_row_reads_alone(tmp_path: Path) -> None:
    path = tmp_path / "vehicle.md"  # converters of PDF manuals write tables as HTML inside the Markdown
    path.write_text("## 轮胎气压\n\n<table><tr><th>轮胎规格</th><th>位置</th><th>气压（kPa）</th></tr>"
                    "<tr><td rowspan=\"2\">235/55 R19</td><td>前轮</td><td>250</td></tr><tr><td>后轮</td><td>270</td></tr>"
                    "<tr><td colspan=\"2\">备胎</td><td>420</td></tr></table>\n", encoding="utf-8")

    rows = ["轮胎规格 | 位置 | 气压（kPa）", "235/55 R19 | 前轮 | 250", "235/55 R19 | 后轮 | 270", "备胎 | 420"]
    assert kinds_and_texts(path)[1] == ("table", "\n".join(rows))


def test_html_keeps_content_and_drops_page_chrome(tmp_path: Path) -> None:
    path = tmp_path / "oven.html"
    path.write_text(
        """<!DOCTYPE html><html><head><title>Oven</title><style>p{color:red}</style></head><body>
        <header><a href="/">Home</a> | <a href="/shop">Shop</a></header>
        <nav><ul><li>Menu item</li></ul></nav>
        <main>
        <h1>Oven Care &amp; Cleaning</h1>
        <p>Clean at 40&deg;C&nbsp;or
           below.<br>Never use abrasive pads.</p>
        <p>清洁前请
           断开电源。</p>
        <div class="callout callout-warning"><p><strong>Warning:</strong> Switch off at the mains.</p></div>
        <h2>Steps</h2>
        <ol><li>Remove the racks.</li>
        <li>Wipe with <em>warm</em> soapy water.<ul><li>Use a soft cloth</li></ul></li></ol>
        <table><tr><th>Part</th><th>Method</th></tr><tr><td>Door</td><td>Glass cleaner</td></tr></table>
        <aside>The door glass can be removed.</aside>
        <aside class="sidebar-nav"><a href="#">Related products</a></aside>
        <script>track()</script>
        </main>
        <footer>© 2024 ACME</footer></body></html>""",
        encoding="utf-8",
    )
    assert kinds_and_texts(path) == [
        ("heading", "Oven Care & Cleaning"),
        ("paragraph", "Clean at 40°C or below.\nNever use abrasive pads."),
        ("paragraph", "清洁前请断开电源。"),
        ("warning", "Warning: Switch off at the mains."),
        ("heading", "Steps"),
        ("step", "1. Remove the racks."),
        ("step", "2. Wipe with warm soapy water."),
        ("step", "- Use a soft cloth"),
        ("table", "Part | Method\nDoor | Glass cleaner"),
        ("warning", "The door glass can be removed."),
    ]
    assert {c.section for c in chunks_of(path)} == {"Oven Care & Cleaning", "Oven Care & Cleaning > Steps"}


# ---- Markdown and text --------------------------------------------------------------------------


def test_chinese_converted_to_markdown_is_rejoined_but_an_authors_spaces_stay(tmp_path: Path) -> None:
    converted = tmp_path / "vehicle.md"
    converted.write_text("## 轮胎\n\n检查轮 胎气压前请先停 车熄火。轮胎气压应在冷 胎状态下测量，\n"
                         "标准气压见车门 内侧的标签。\n", encoding="utf-8")
    authored = tmp_path / "jacket.md"
    authored.write_text("## 清洗\n\n北极羽 极光 800 羽绒服可以用滚筒洗衣机清洗，这也是推荐的方式。"
                        "洗涤前拉上拉链，将衣服翻面，放入洗衣袋中。\n\n## 第一章 收纳\n\n"
                        "收纳前确认羽绒服清洁、完全干燥，用宽肩衣架挂在衣柜中。\n", encoding="utf-8")

    assert ("paragraph", "检查轮胎气压前请先停车熄火。轮胎气压应在冷胎状态下测量，标准气压见车门内侧的标签。") \
        in kinds_and_texts(converted)
    texts = [text for _, text in kinds_and_texts(authored)]
    assert texts[1].startswith("北极羽 极光 800 羽绒服") and "第一章 收纳" in texts


def test_a_manual_converted_to_markdown_loses_its_running_headers_and_page_numbers(tmp_path: Path) -> None:
    pages = ["## 轮胎\n\n检查轮胎气压前请先停车熄火。轮胎气压应在冷胎状态下测量，标准气压见",
             "车门内侧的标签。\n\n## 灯光\n\n更换灯泡前请关闭点火开关。",
             "## 雨刮\n\n雨刮片每年更换一次。"]
    header = "星途 S7 用户手册"
    path = tmp_path / "vehicle.md"
    path.write_text("\n\n".join(f"{page}\n\n- {n} -\n\n{header}" for n, page in enumerate(pages, 1)), encoding="utf-8")

    assert kinds_and_texts(path) == [
        ("heading", "轮胎"), ("paragraph", "检查轮胎气压前请先停车熄火。轮胎气压应在冷胎状态下测量，标准气压见车门内侧的标签。"),
        ("heading", "灯光"), ("paragraph", "更换灯泡前请关闭点火开关。"), ("heading", "雨刮"), ("paragraph", "雨刮片每年更换一次。"),
    ]


def test_a_warning_box_and_a_table_cut_by_a_page_break_as_converters_write_them(tmp_path: Path) -> None:
    header = "星途 S7 用户手册"
    path = tmp_path / "vehicle.md"
    path.write_text(f"## 保险丝\n\n<table><tr><td>警告</td><td>更换保险丝前请关闭点火开关。</td></tr></table>\n\n"
                    f"| 编号 | 额定电流 | 用途 |\n|---|---|---|\n| F1 | 10A | 喇叭 |\n\n- 5 -\n\n{header}\n\n"
                    f"| 编号 | 额定电流 | 用途 |\n|---|---|---|\n| F2 | 15A | 雨刮 |\n\n- 6 -\n\n{header}\n\n"
                    f"## 灯光\n\n| 编号 | 额定电流 | 用途 |\n|---|---|---|\n| L1 | 5A | 阅读灯 |\n\n- 7 -\n\n{header}\n",
                    encoding="utf-8")

    assert kinds_and_texts(path) == [
        ("heading", "保险丝"), ("warning", "警告：更换保险丝前请关闭点火开关。"),
        ("table", "编号 | 额定电流 | 用途\nF1 | 10A | 喇叭\nF2 | 15A | 雨刮"),
        ("heading", "灯光"), ("table", "编号 | 额定电流 | 用途\nL1 | 5A | 阅读灯"),  # another section's table
    ]


def test_a_bold_line_a_converter_wrote_for_a_heading_opens_a_section(tmp_path: Path) -> None:
    path = tmp_path / "purifier.md"
    path.write_text("# 清屿 QY-600 保养指南\n\n## 日常维护\n\n**滤网清洁**\n\n每两周用吸尘器清洁初效滤网。\n\n"
                    "**传感器清洁**\n\n每两个月用干棉签擦拭传感器。\n\n**注意：**\n\n**切勿用水清洗复合滤网。**\n\n"
                    "- **模式键**：切换风量\n", encoding="utf-8")

    assert kinds_and_texts(path)[2:] == [
        ("heading", "滤网清洁"), ("paragraph", "每两周用吸尘器清洁初效滤网。"),
        ("heading", "传感器清洁"), ("paragraph", "每两个月用干棉签擦拭传感器。"),
        ("warning", "注意："), ("paragraph", "切勿用水清洗复合滤网。"),  # a label and a bold sentence: no headings
        ("step", "- 模式键：切换风量"),
    ]
    sections = {c.section for c in chunks_of(path)}
    assert {"清屿 QY-600 保养指南 > 日常维护 > 滤网清洁", "清屿 QY-600 保养指南 > 日常维护 > 传感器清洁"} <= sections


def test_steps_written_as_lines_of_a_markdown_paragraph_are_steps(tmp_path: Path) -> None:
    path = tmp_path / "purifier.md"
    path.write_text("## 更换滤网\n\n更换步骤如下：\n1、关机并拔下电源插头。\n2、打开后盖板，\n取出旧滤网。\n\n"
                    "① 装入新滤网\n② 长按复位键 5 秒\n\nThe filter lasts about 6 months when used 8 hours a day, or\n"
                    "2) less in a smoky room.\n", encoding="utf-8")

    assert kinds_and_texts(path) == [
        ("heading", "更换滤网"), ("paragraph", "更换步骤如下："),
        ("step", "1、关机并拔下电源插头。"), ("step", "2、打开后盖板，取出旧滤网。"),
        ("step", "① 装入新滤网"), ("step", "② 长按复位键 5 秒"),
        ("paragraph", "The filter lasts about 6 months when used 8 hours a day, or 2) less in a smoky room."),
    ]


def test_a_fault_tree_nested_deeper_than_commonmark_allows_keeps_the_rest_of_the_manual(tmp_path: Path) -> None:
    tree = "\n".join("  " * depth + f"- {'Yes' if depth % 2 else 'No'}: check part {depth}" for depth in range(12))
    path = tmp_path / "washer_service.md"
    path.write_text(f"## E12\n\n{tree}\n\n## E21\n\nThe water level does not change within 6 minutes.\n",
                    encoding="utf-8")

    blocks = kinds_and_texts(path)

    # markdown-it stops at 20 levels (six lists deep) and drops the rest of the container: here, the manual
    assert blocks[-2:] == [("heading", "E21"), ("paragraph", "The water level does not change within 6 minutes.")]
    assert ("step", "- No: check part 10") in blocks
    # past any limit the lists lose their nesting, not their text
    deeper = "\n".join("  " * depth + f"- level {depth}" for depth in range(150))
    path.write_text(f"## E12\n\n{deeper}\n\n## E21\n\nDrain hose blocked.\n", encoding="utf-8")
    assert kinds_and_texts(path)[-2:] == [("heading", "E21"), ("paragraph", "Drain hose blocked.")]
    assert ("step", "- level 149") in kinds_and_texts(path)


def test_a_code_fence_a_converter_left_open_over_pages_is_read_as_the_manual_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "washer_service.md"
    path.write_text("## E64\n\nReplace the PCB.\n\n```\n# 6 TROUBLESHOOTING\n\n## Door not locked\n\n"
                    "1. Check the door hook.\n2. Replace the door lock.\n\n| Part | Resistance |\n|---|---|\n"
                    "| Heater | 20-35 Ω |\n```\n", encoding="utf-8")

    assert kinds_and_texts(path) == [
        ("heading", "E64"), ("paragraph", "Replace the PCB."),
        ("heading", "6 TROUBLESHOOTING"), ("heading", "Door not locked"),
        ("step", "1. Check the door hook."), ("step", "2. Replace the door lock."),
        ("table", "Part | Resistance\nHeater | 20-35 Ω"),
    ]
    # a fence naming its language holds code, comments and all
    path.write_text("## Camera\n\n```python\nimport cv2\n\n# open the camera\ncap = cv2.VideoCapture(0)\n```\n",
                    encoding="utf-8")
    assert kinds_and_texts(path) == [
        ("heading", "Camera"), ("paragraph", "import cv2\n# open the camera\ncap = cv2.VideoCapture(0)")]


def test_markdown_structure_and_inline_syntax(tmp_path: Path) -> None:
    path = tmp_path / "kettle.md"
    path.write_text(
        """Kettle Care
===========

Descale with **citric acid**, see [the FAQ](https://x.test/faq) and ![photo](k.png) below.
Wrapped line
第二行
中文

## Descaling

1. Fill with *water*
   and acid.
2. Boil once.
   - Let it cool

> **Caution:** hot steam.
> Keep the lid closed.

| Hardness | Interval |
|----------|----------|
| Soft | 3 months |

```
code line 1
code line 2
```
""",
        encoding="utf-8",
    )
    assert kinds_and_texts(path) == [
        ("heading", "Kettle Care"),
        ("paragraph", "Descale with citric acid, see the FAQ and below. Wrapped line 第二行中文"),
        ("heading", "Descaling"),
        ("step", "1. Fill with water and acid."),
        ("step", "2. Boil once."),
        ("step", "- Let it cool"),
        ("warning", "Caution: hot steam. Keep the lid closed."),
        ("table", "Hardness | Interval\nSoft | 3 months"),
        ("paragraph", "code line 1\ncode line 2"),
    ]


def test_gb18030_chinese_text_loads(tmp_path: Path) -> None:
    path = tmp_path / "洗碗机.txt"
    text = (
        "洗碗机保养手册\n\n第一章 日常清洁\n\n每次使用后请清洁过滤网。过滤网位于底部，\n取出后用清水冲洗。\n\n"
        "1. 逆时针旋转过滤网。\n2. 用软刷清洁。\n\n注意：\n清洁前请断开电源。\n"
    )
    path.write_bytes(text.encode("gb18030"))
    assert kinds_and_texts(path) == [
        ("heading", "洗碗机保养手册"),
        ("heading", "第一章 日常清洁"),
        ("paragraph", "每次使用后请清洁过滤网。过滤网位于底部，取出后用清水冲洗。"),
        ("step", "1. 逆时针旋转过滤网。"),
        ("step", "2. 用软刷清洁。"),
        ("warning", "注意：清洁前请断开电源。"),
    ]
    assert chunks_of(path)[0].section == "洗碗机保养手册 > 第一章 日常清洁"


def test_text_extracted_page_by_page_loses_its_running_header_and_page_numbers(tmp_path: Path) -> None:
    path = tmp_path / "washer.txt"  # pdftotext's output: each page ends with a form feed
    pages = ["洗衣机保养手册\n\n第一章 日常清洁\n\n每次洗涤后请擦干门封圈，", "并让机门保持打开。\n\n1. 清洁过滤网。",
             "2. 清洁洗涤剂盒。\n\n第二章 长期存放\n\n存放前排空机内余水。"]
    path.write_text("".join(f"澜净 LJ-F10 用户手册\n{page}\n- {n} -\n\f" for n, page in enumerate(pages, 1)),
                    encoding="utf-8")

    assert kinds_and_texts(path) == [
        ("heading", "洗衣机保养手册"), ("heading", "第一章 日常清洁"),
        ("paragraph", "每次洗涤后请擦干门封圈，并让机门保持打开。"),
        ("step", "1. 清洁过滤网。"), ("step", "2. 清洁洗涤剂盒。"),
        ("heading", "第二章 长期存放"), ("paragraph", "存放前排空机内余水。"),
    ]


def test_a_few_gb18030_characters_are_not_mistaken_for_big5(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes("滤网：请定期清洁。".encode("gb18030"))
    assert kinds_and_texts(path) == [("paragraph", "滤网：请定期清洁。")]


def test_binary_data_in_a_text_file_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(LoadError, match=r"data\.txt.*encoding"):
        load_document(path, path.name)


# ---- errors common to all formats ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_an_empty_file_is_a_load_error_naming_it(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(LoadError, match=rf"empty\{suffix}: the file is empty"):
        load_document(path, f"guides/empty{suffix}")


def test_whitespace_only_text_has_no_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.md"
    path.write_text(" \n\n\t\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"blank\.md: no text"):
        load_document(path, path.name)


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    odd = tmp_path / "manual.xlsx"
    odd.write_bytes(b"x")
    with pytest.raises(LoadError, match=r"manual\.xlsx: unsupported file type '\.xlsx'"):
        load_document(odd, odd.name)
    with pytest.raises(LoadError, match=r"gone\.pdf: cannot read"):
        load_document(tmp_path / "gone.pdf", "gone.pdf")


def test_the_message_names_the_file_even_when_the_source_is_another_name(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(LoadError, match=r"^guide-42 \(empty\.txt\): the file is empty$"):
        load_document(path, "guide-42")


def test_every_block_kind_is_a_known_kind(manual_pdf: Path, manual_docx: Path) -> None:
    for path in (manual_pdf, manual_docx):
        assert {b.kind for b in load_document(path, path.name).blocks} <= set(BlockKind)
