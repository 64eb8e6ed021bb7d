"""Text cleaning: what converted manuals leave behind must not reach the chunks."""

from __future__ import annotations

import pytest

from ingest.clean import (
    clean_text,
    decode_entities,
    is_callout_label,
    is_page_number_line,
    is_toc_line,
    join_lines,
    looks_split,
    normalize_unicode,
    page_furniture,
    rejoin_cjk,
    remove_furniture,
    remove_toc,
    starts_with_callout,
    toc_line_mask,
)
from ingest.document import Block, BlockKind


def test_nfkc_normalises_ligatures_and_full_width_letters_but_keeps_chinese_punctuation() -> None:
    assert normalize_unicode("ﬁlter Ａ１００ 型号") == "filter A100 型号"
    assert normalize_unicode("注意：请勿用水冲洗！可以吗？（是）；好，") == "注意：请勿用水冲洗！可以吗？（是）；好，"
    assert normalize_unicode("清洁保养……") == "清洁保养……"
    assert normalize_unicode("① 关机 ② 取出滤网") == "① 关机 ② 取出滤网"  # a step's marker, not a bare 1


def test_invisible_characters_are_dropped() -> None:
    assert normalize_unicode("de\u00adscale\u200b now\ufeff") == "descale now"


def test_html_entities_are_decoded_but_bare_ampersands_are_left_alone() -> None:
    assert decode_entities("40&deg;C&nbsp;max &amp; dry") == "40°C\u00a0max & dry"
    assert decode_entities("https://x.test/?a=1&copy=2") == "https://x.test/?a=1&copy=2"
    assert clean_text("40&deg;C&nbsp;max  \t &amp; dry") == "40°C max & dry"


def test_words_broken_across_lines_are_rejoined() -> None:
    assert join_lines(["Regular main-", "tenance keeps the", "pump running."]) == (
        "Regular maintenance keeps the pump running."
    )
    assert join_lines(["Use a non-", "Abrasive cloth"]) == "Use a non- Abrasive cloth"


def test_chinese_lines_are_joined_without_a_space_and_english_with_one() -> None:
    assert join_lines(["清洁滤网时请先断开电源，然后取出滤", "网并用清水冲洗。"]) == "清洁滤网时请先断开电源，然后取出滤网并用清水冲洗。"
    assert join_lines(["注意：", "Unplug first"]) == "注意：Unplug first"
    assert join_lines(["Rinse the", "filter"]) == "Rinse the filter"


def test_chinese_split_by_a_pdf_converter_is_rejoined() -> None:
    assert rejoin_cjk("清洁初效 滤网前请先关 机 。\n拔 下 电 源插头") == "清洁初效滤网前请先关机。\n拔下电源插头"
    # Spaces beside Latin words and numbers stay, and so does a wider gap (a column laid out with spaces).
    assert rejoin_cjk("使用 HEPA 滤网 30 分钟") == "使用 HEPA 滤网 30 分钟"
    assert rejoin_cjk("项目   参数") == "项目   参数"


def test_text_looks_split_by_conversion_only_at_a_rate_authors_do_not_write() -> None:
    assert looks_split(["检查轮 胎气压前请先停 车熄火。", "标准气压见车门 内侧的标签。"])
    assert not looks_split(["第一章 日常清洁", "每次使用后请清洁过滤网。"])  # one space: an author's
    assert not looks_split(["北极羽 极光 800 羽绒服保养指南", "羽绒服不宜频繁清洗，一般每个冬季结束时清洗一次即可。" * 20])
    assert not looks_split(["Rinse the filter.", ""])


def test_clean_text_collapses_whitespace_and_keeps_line_structure() -> None:
    assert clean_text("  a \t b \r\n\r\n  c  ") == "a b\nc"


@pytest.mark.parametrize(
    "line", ["Page 3", "page 3 of 20", "- 3 -", "— 12 —", "3 / 20", "第 3 页", "第3页 共20页", "17", "iv"]
)
def test_page_number_lines(line: str) -> None:
    assert is_page_number_line(line)


@pytest.mark.parametrize("line", ["3 drops of oil", "Page layout settings", "第 3 步", "mix"])
def test_content_is_not_a_page_number(line: str) -> None:
    assert not is_page_number_line(line)


@pytest.mark.parametrize(
    "line", ["Cleaning ........ 12", "清洁保养……………… 12", "Safety . . . . . 3", "1.2 Filter ···· 7"]
)
def test_dot_leader_lines_are_toc(line: str) -> None:
    assert is_toc_line(line)


@pytest.mark.parametrize("line", ["Wait... then press OK.", "Cleaning the filter", "Set it to 12"])
def test_content_is_not_toc(line: str) -> None:
    assert not is_toc_line(line)


def test_repeating_headers_footers_and_page_numbers_are_page_furniture() -> None:
    bodies = [
        ["Cleaning", "Remove the filter every week.", "Rinse it under running water."],
        ["Check the spray arms monthly.", "Clear blocked nozzles with a pin."],
        ["Descale every three months.", "Use the descaler sold for the DW-200."],
        ["Store the machine dry.", "Leave the door ajar."],
    ]
    pages = [["ACME DW-200 Service Manual", *body, f"Page {n} of 4"] for n, body in enumerate(bodies, 1)]
    drop = page_furniture(pages)
    kept = [[line for i, line in enumerate(lines) if i not in drop[p]] for p, lines in enumerate(pages)]
    assert kept == bodies


def test_single_page_keeps_its_text_but_drops_a_page_number() -> None:
    assert page_furniture([["Title", "Body", "- 1 -"]]) == [{2}]


def test_running_headers_and_page_numbers_a_converter_left_between_blocks_are_dropped() -> None:
    header = "ACME DW-200 Service Manual"
    blocks = [
        Block(BlockKind.HEADING, "Cleaning", 2),
        Block(BlockKind.PARAGRAPH, "Remove the filter every week and rinse it under"),
        Block(BlockKind.STEP, "- 12 -"),  # Markdown reads a page number "- 12 -" as a list item
        Block(BlockKind.PARAGRAPH, header),
        Block(BlockKind.PARAGRAPH, "running water."),
        Block(BlockKind.STEP, "1. Descale every three months."),
        Block(BlockKind.PARAGRAPH, f"Page 13\n{header}"),
        Block(BlockKind.STEP, "2. Use the descaler sold for the"),
        Block(BlockKind.PARAGRAPH, header),
        Block(BlockKind.PARAGRAPH, "DW-200 only."),
        Block(BlockKind.HEADING, header, 1),  # a heading is the document's own, never furniture
    ]
    assert remove_furniture(blocks) == [
        Block(BlockKind.HEADING, "Cleaning", 2),
        Block(BlockKind.PARAGRAPH, "Remove the filter every week and rinse it under running water."),
        Block(BlockKind.STEP, "1. Descale every three months."),
        Block(BlockKind.STEP, "2. Use the descaler sold for the"),
        Block(BlockKind.PARAGRAPH, "DW-200 only."),  # starts with a capital: not known to continue
        Block(BlockKind.HEADING, header, 1),
    ]


def test_a_chinese_sentence_cut_by_a_page_break_is_joined_again() -> None:
    header = "行迹 TrekLine 55+10 使用与保养"
    blocks = [Block(BlockKind.PARAGRAPH, header), Block(BlockKind.PARAGRAPH, "每次徒步回来后，请做以下清洁：\n- 2 -"),
              Block(BlockKind.STEP, "1. 清空背包所有口袋，清出食物残渣、纸屑和"), Block(BlockKind.PARAGRAPH, "- 3 -"),
              Block(BlockKind.PARAGRAPH, header), Block(BlockKind.PARAGRAPH, "沙土。"),
              Block(BlockKind.PARAGRAPH, f"{header}\n背包应存放在阴凉干燥处。")]
    assert remove_furniture(blocks) == [Block(BlockKind.PARAGRAPH, "每次徒步回来后，请做以下清洁："),
                                        Block(BlockKind.STEP, "1. 清空背包所有口袋，清出食物残渣、纸屑和沙土。"),
                                        Block(BlockKind.PARAGRAPH, "背包应存放在阴凉干燥处。")]


def test_a_line_repeated_nowhere_near_a_page_number_keeps_its_first_occurrence() -> None:
    hotline = Block(BlockKind.PARAGRAPH, "售后服务热线 400-820-1234")
    blocks = [Block(BlockKind.PARAGRAPH, "滤网每 6 个月更换一次。"), hotline,
              Block(BlockKind.PARAGRAPH, "传感器每 2 个月清洁一次。"), hotline,
              Block(BlockKind.PARAGRAPH, "长期不用时请拔下电源插头。"), hotline]
    assert remove_furniture(blocks) == blocks[:3] + blocks[4:5]


def test_lines_an_author_repeats_are_not_furniture() -> None:
    blocks = [
        Block(BlockKind.PARAGRAPH, "Tap Save."),
        Block(BlockKind.PARAGRAPH, "Tap Save."),
        Block(BlockKind.PARAGRAPH, "Tap Save."),  # a sentence, however often it recurs
        Block(BlockKind.PARAGRAPH, "Wi-Fi Direct"),
        Block(BlockKind.PARAGRAPH, "Wi-Fi Direct"),  # twice is not a running header
        *[Block(BlockKind.WARNING, f"WARNING\nNever run the pump dry for {n} minutes.") for n in (1, 2, 3)],
        *[Block(BlockKind.STEP, "1. Switch off the unit") for _ in range(3)],  # each procedure's first step
        Block(BlockKind.TABLE, "Part | Clean\nFilter | Weekly"),
        Block(BlockKind.TABLE, "Part | Clean\nFilter | Weekly"),
        Block(BlockKind.TABLE, "Part | Clean\nFilter | Weekly"),
    ]
    assert remove_furniture(blocks) == blocks


def test_toc_lines_after_a_contents_title_are_masked_until_content_resumes() -> None:
    lines = ["目录", "安全须知 2", "清洁保养……………… 12", "Introduction", "This manual explains the care."]
    assert toc_line_mask(lines) == [True, True, True, False, False]


def test_remove_toc_drops_the_contents_section_and_leader_lines() -> None:
    blocks = [
        Block(BlockKind.HEADING, "Contents", 1),
        Block(BlockKind.PARAGRAPH, "Safety ....... 2\nCleaning ....... 5"),
        Block(BlockKind.STEP, "- Storage"),
        Block(BlockKind.HEADING, "Safety", 1),
        Block(BlockKind.PARAGRAPH, "Read all instructions.\nCleaning ........ 5"),
    ]
    assert remove_toc(blocks) == [
        Block(BlockKind.HEADING, "Safety", 1),
        Block(BlockKind.PARAGRAPH, "Read all instructions."),
    ]


@pytest.mark.parametrize("text", ["注意！", "WARNING", "说明：", "Caution", "⚠ 警告", "NOTE:"])
def test_bare_callout_labels(text: str) -> None:
    assert is_callout_label(text)


def test_callout_paragraphs_are_recognised_by_their_opening_label() -> None:
    assert starts_with_callout("WARNING: Never clean the stove while it is hot.")
    assert starts_with_callout("注意：不要用漂白剂。")
    assert starts_with_callout("NOTE  Use only approved chargers.")
    assert not starts_with_callout("Note that the filter is washable.")
    assert not starts_with_callout("注意不要用力过猛。")
    assert not starts_with_callout("说明书请妥善保管。")
