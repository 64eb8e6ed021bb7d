"""The text toolkit's reading of manual lines: steps, rows, options, page numbers, sentences; nouns."""

from __future__ import annotations

import pytest

from ingest.text import (
    Tokenizer,
    asks_yes_no,
    drop_page_numbers,
    is_bullet_line,
    is_option_item,
    is_page_number,
    is_table_row,
    question_kind,
    split_sentences,
    step_number,
)


@pytest.mark.parametrize(("line", "number"), [
    ("1. Unplug the purifier.", 1), ("12) Refit the cover.", 12), ("3、取出滤网。", 3), ("（4）装回滤网。", 4),
    ("Step 5 Close the lid.", 5), ("第六步：开机。", 6), ("⑦ 复位。", 7), ("2.5 kg of laundry", None),
    ("Unplug it first.", None),
])
def test_step_numbers(line: str, number: int | None) -> None:
    assert step_number(line) == number


def test_rows_bullets_options_and_page_numbers() -> None:
    assert is_table_row("Burn time | About 75 minutes") and is_table_row("| E3 | 后盖板未装好 |")
    assert not is_table_row("a|b without spaces")
    assert is_bullet_line("- 滤网指示灯：绿色表示正常。") and not is_bullet_line("-5 °C is the limit.")
    assert is_option_item("Storage location: Select a memory location.") and is_option_item("滤网指示灯：绿色表示正常。")
    assert not is_option_item("From Settings, tap Lock screen for the following options: Clock style: Set it.")
    assert is_page_number("- 160 -") and is_page_number("第 3 页") and not is_page_number("160 km/h")
    assert drop_page_numbers("装好后盖板。 - 160 - 开机后长按复位键。") == "装好后盖板。 开机后长按复位键。"


def test_sentences_split_at_steps_and_options() -> None:
    assert split_sentences("1. Turn it off. 2. Unplug it. 3. Wait 10 minutes.", steps_only=True) == [
        "1. Turn it off.", "2. Unplug it.", "3. Wait 10 minutes."]
    assert split_sentences("From Settings, tap Lock screen for the following options: Clock style: Set the "
                           "type. Roaming clock: Show two clocks.") == [
        "From Settings, tap Lock screen for the following options:", "Clock style: Set the type.",
        "Roaming clock: Show two clocks."]
    assert split_sentences("关机并拔下电源插头。取下后盖板！") == ["关机并拔下电源插头。", "取下后盖板！"]
    assert split_sentences("1、关机并拔下电源插头。2、取下后盖板，风量调到 2.5 档。", steps_only=True) == [
        "1、关机并拔下电源插头。", "2、取下后盖板，风量调到 2.5 档。"]


def test_nouns_are_the_chinese_nouns_in_order() -> None:
    nouns = Tokenizer().nouns("净化器的滤网脏了，能拿到水龙头下冲一冲吗？ The filter is dirty.")
    assert nouns[:2] == ["净化器", "滤网"]
    assert "filter" not in nouns and "的" not in nouns


@pytest.mark.parametrize(("question", "kind"), [
    ("How do I clean the filter?", "how"), ("滤网怎么清洗？", "how"), ("衣服洗完了机门打不开，怎么办？", "how"),
    ("How often should I replace the side brush?", "value"), ("What is the dustbin capacity?", "value"),
    ("脱水转速设多少合适？", "value"), ("帐篷保修几年？", "value"), ("How do I know how long it lasts?", "value"),
    ("净化器用了几个月声音越来越大 咋回事", "how"),  # "用了几个月": used for a few months, not asked how many
    ("Can I wash it in a top-loader?", "other"), ("羽绒服可以送干洗店干洗吗？", "other"),
    ("Why does the stove flame turn yellow?", "other"),
])
def test_question_kind(question: str, kind: str) -> None:
    assert question_kind(question) == kind


@pytest.mark.parametrize(("question", "yes_no"), [
    ("羽绒服手洗完能使劲拧干吗", True), ("帐篷脏了能直接扔进洗衣机洗吗？", True), ("要不要拧干再晾", True),
    ("Can I rinse the vacuum filter under the tap?", True), ("How do I clean it? Is it safe?", True),
    ("新买的洗衣机一甩干就跳得厉害，是怎么回事？", False), ("What can I do about E21?", False),
    ("The robot no longer finds its dock.", False), ("传感器积灰了 用啥擦", False),
])
def test_asks_yes_no(question: str, yes_no: bool) -> None:
    assert asks_yes_no(question) == yes_no
