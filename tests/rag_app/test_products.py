"""The product catalog, filters and the ask-back rule, on plain data (no model, no store)."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from ingest.text import Tokenizer
from rag_app.products import (
    Catalog,
    Evidence,
    FilterError,
    choice_after_clarify,
    chroma_where,
    clarify_reply,
    contenders,
    lists_code,
    message_pattern,
    normalize_filters,
    products_to_ask,
    quoted_messages,
    same_answer,
)

CATALOG = Catalog.from_metadatas([
    {"product": "Samsung Galaxy S10", "model": "S10"},
    {"product": "Samsung Galaxy S10+", "model": "S10+"},
    {"product": "Samsung Galaxy S10e", "model": "S10e"},
    {"product": "岚峰 LF-2 Pro", "model": "LF-2 Pro", "category": "帐篷", "aliases": "tent"},
    {"product": "岚峰 LF-3 Pro", "model": "LF-3 Pro", "category": "帐篷", "aliases": "tent"},
    {"product": "Tidyo R7 Max", "model": "R7 Max", "category": "robot vacuum", "aliases": "TR7M|扫地机器人"},
    {"product": "Tidyo R5", "model": "R5", "category": "robot vacuum", "aliases": "扫地机器人"},
    {"product": "Down Jacket", "category": "羽绒服", "aliases": "down jacket"},
    {"product": "行迹 TrekLine 55+10", "model": "TrekLine 55+10", "category": "背包"},
])


@pytest.mark.parametrize(("text", "products", "kinds"), [
    ("How do I reset my S10+?", ["Samsung Galaxy S10+"], []),
    ("galaxy s10 battery", ["Samsung Galaxy S10"], []),
    ("my S10e screen", ["Samsung Galaxy S10e"], []),
    ("lf2pro 的外帐", ["岚峰 LF-2 Pro"], []),
    ("LF-3 Pro 帐篷有多重", ["岚峰 LF-3 Pro"], ["岚峰 LF-2 Pro", "岚峰 LF-3 Pro"]),
    ("帐篷怎么晾干", [], ["岚峰 LF-2 Pro", "岚峰 LF-3 Pro"]),
    ("扫地机器人的尘盒", [], ["Tidyo R5", "Tidyo R7 Max"]),
    ("TR7M suction", ["Tidyo R7 Max"], []),
    ("S100 and XS10 are not models here", [], []),
    ("TrekLine 55+10 好几个月不用", ["行迹 TrekLine 55+10"], []),  # a "+" inside a model joins its parts
    ("trekline 55 + 10 的背长", ["行迹 TrekLine 55+10"], []),
])
def test_questions_name_products_by_model_or_kind(text: str, products: list[str], kinds: list[str]) -> None:
    naming = CATALOG.named_in(text)
    assert sorted(naming.products) == sorted(products)
    assert sorted(naming.kinds) == sorted(kinds)


@pytest.mark.parametrize(("question", "leading"), [
    ("How do I dry my tent?", ["岚峰 LF-2 Pro", "岚峰 LF-3 Pro"]),
    ("Can I wash my dirty tent in the washing machine?", ["岚峰 LF-2 Pro", "岚峰 LF-3 Pro"]),
    ("How do I empty the robot vacuum's dustbin?", ["Tidyo R5", "Tidyo R7 Max"]),
    ("Can I cook in the tent vestibule?", []),  # a place: the question is about cooking
    ("Can I run my robot vacuum in the tent?", ["Tidyo R5", "Tidyo R7 Max"]),  # the tent is where
    ("Can I cook in the vestibule with the tent open?", []),  # the tent is named later
    ("How long does the battery of my robot vacuum last?", []),  # asks about the battery first
    ("tent repair", []),
    ("How do I wash my down jacket?", ["Down Jacket"]),  # "down" is a stop word, but part of the kind here
])
def test_an_english_questions_first_noun_phrase_says_which_kind_it_is_about(question: str,
                                                                            leading: list[str]) -> None:
    assert sorted(CATALOG.named_in(question).leading_kinds(question)) == leading


@pytest.mark.parametrize(("question", "kinds"), [
    ("Can I wash my down jacket in my top-loading robot vacuum?", ["Down Jacket"]),  # a place, one word between
    ("What does the red light on the robot vacuum mean?", ["Tidyo R5", "Tidyo R7 Max"]),  # not a place
    ("在帐篷里可以用扫地机器人吗？", ["Tidyo R5", "Tidyo R7 Max"]),
])
def test_a_kind_written_as_the_place_where_something_is_done_is_left_out(question: str, kinds: list[str]) -> None:
    assert sorted(CATALOG.named_in(question).kinds_not_places(question)) == kinds


@pytest.mark.parametrize(("question", "searched", "keyword_query"), [
    ("How long does the Tidyo R5 run on one charge?", ["Tidyo R5"], "how long does the run on one charge?"),
    ("帐篷脏了能直接扔进洗衣机洗吗？", ["岚峰 LF-2 Pro", "岚峰 LF-3 Pro"], "脏了能直接扔进洗衣机洗吗?"),
    ("LF-3 Pro 帐篷有多重", ["岚峰 LF-3 Pro"], "有多重"),  # its name and its kind
    ("R5 和 R7 Max 哪个吸力大", ["Tidyo R7 Max"], "r5 和 哪个吸力大"),  # the other product's name stays
    ("How long does the Tidyo R5 run on one charge?", [], "How long does the Tidyo R5 run on one charge?"),
])
def test_the_keyword_search_of_a_products_guides_leaves_out_their_names(
        question: str, searched: list[str], keyword_query: str) -> None:
    assert " ".join(CATALOG.named_in(question).without(question, searched).split()) == keyword_query


@pytest.mark.parametrize(("question", "searched", "dense_query"), [
    ("LF-3 Pro 帐篷有多重", ["岚峰 LF-3 Pro"], "帐篷有多重"),  # its kind says what the question is about
    ("How long does the Tidyo R5 robot vacuum run?", ["Tidyo R5"], "how long does the robot vacuum run?"),
    ("R5 和 R7 Max 哪个吸力大", ["Tidyo R7 Max"], "r5 和 哪个吸力大"),
])
def test_the_dense_search_of_a_products_guides_leaves_out_its_name_not_its_kind(
        question: str, searched: list[str], dense_query: str) -> None:
    assert " ".join(CATALOG.named_in(question).without(question, searched, kinds=False).split()) == dense_query


@pytest.mark.parametrize(("question", "asked"), [
    ("帐篷怎么收纳？", "怎么收纳?"),
    ("那 LF-2 Pro 呢？", "那 呢?"),
    ("Cleaning the R5's side brush?", "cleaning the 's side brush?"),
    ("How do I dry it?", "How do I dry it?"),  # names nothing
])
def test_what_a_question_asks_besides_naming_products_and_kinds(question: str, asked: str) -> None:
    assert " ".join(CATALOG.named_in(question).unnamed(question).split()) == asked


def test_error_codes_but_not_model_numbers() -> None:
    for question in ("洗衣机显示E21怎么办", "My washer shows E-21"):
        codes = CATALOG.codes_in(question)
        assert len(codes) == 1 and all(codes[0].search(row) for row in ("| E21 | 排水超时", "E-21 blinks", "e 21"))
        assert not codes[0].search("E210") and not codes[0].search("LE21")
    codes = CATALOG.codes_in("What does Error 12 mean on the R7 Max?")
    assert len(codes) == 1 and codes[0].search("| Error 12 | Dustbin full |")
    assert not codes[0].search("| Error 1 | Camera |") and not codes[0].search("Error 123")
    assert CATALOG.codes_in("reset my S10") == []


def test_a_quoted_message_is_found_in_any_case_and_spacing_and_an_apostrophe_quotes_nothing() -> None:
    assert quoted_messages('It keeps saying "Main brush jammed". What now?') == ["Main brush jammed"]
    assert quoted_messages("面板显示“滤网需要更换”，还有「童锁」亮着") == ["滤网需要更换", "童锁"]
    assert quoted_messages("it won't start, the 'power' light is off") == []
    assert quoted_messages('say “ ” or "a"') == []
    pattern = message_pattern("Main brush jammed")
    assert pattern.search("Error 5 | main  brush JAMMED | Remove the brush") and not pattern.search("the main brush is jammed")
    assert not message_pattern("Auto").search("Turns off automatically") and message_pattern("滤网").search("初效滤网")


def test_a_display_code_without_digits_is_a_code_where_a_code_table_lists_it() -> None:
    # not a stop word ("is"), a model ("LF-2 Pro") or a kind ("tent")
    assert CATALOG.code_words("My LF-2 Pro shows tCL, is the tent broken?") == ["shows", "tcl"]
    table = "故障代码 | 含义 | 处理方法\nE21 | 排水超时 | 清洁排水泵过滤器\ntCL | 筒自洁提醒（不是故障） | 运行筒自洁"
    assert lists_code(table, "TCL") and lists_code(table, CATALOG.codes_in("E21 怎么办")[0])
    assert not lists_code(table, "tent") and not lists_code(table, "故障代码")  # the header is no row
    assert not lists_code("显示屏会显示“tCL”提醒运行筒自洁。", "tCL")  # named in a sentence, not listed
    assert not lists_code("Part | Clean | Replace\nFilter | Every week | Every 3 months", "filter")


def test_filters_are_normalised_and_become_a_chroma_where() -> None:
    filters = normalize_filters({"product": "A", "language": ["zh", "en", "zh"], "model": []})
    assert filters == {"product": ("A",), "language": ("zh", "en")}
    assert chroma_where(filters) == {"$and": [{"language": {"$in": ["zh", "en"]}}, {"product": "A"}]}
    assert chroma_where({}) is None
    with pytest.raises(FilterError, match="filters.brand"):
        normalize_filters({"brand": "A"})
    with pytest.raises(FilterError, match="filters.product"):
        normalize_filters({"product": 3})


def test_asking_back_lists_the_products_in_the_questions_language() -> None:
    zh = clarify_reply(["岚峰 LF-2 Pro", "岚峰 LF-3 Pro"], "zh")
    assert zh.question == "这个问题的答案因产品而异。请问您指的是哪一款：岚峰 LF-2 Pro还是岚峰 LF-3 Pro？"
    assert zh.options == [{"product": "岚峰 LF-2 Pro", "label": "岚峰 LF-2 Pro"},
                          {"product": "岚峰 LF-3 Pro", "label": "岚峰 LF-3 Pro"}]
    assert clarify_reply(["A", "B", "C"], "en").question.endswith("A, B or C?")


def passage(product: str, text: str, score: float = 0.9) -> Document:
    return Document(page_content=text, metadata={"product": product, "score": score, "id": text})


TOKENIZE = Tokenizer()
WEIGHTS = {t: 1.0 for t in TOKENIZE("How long does the robot run on a charge? run time battery")}


def decide(r5: str, r7: str, r7_score: float = 0.9, coverage: float = 1.0) -> list[str]:
    evidence = [Evidence("Tidyo R5", [passage("Tidyo R5", r5)], 1.0),
                Evidence("Tidyo R7 Max", [passage("Tidyo R7 Max", r7, r7_score)], coverage)]
    return products_to_ask(evidence, WEIGHTS, TOKENIZE, CATALOG.masks()).ask


def test_different_numbers_are_asked_back_the_same_text_is_not() -> None:
    assert decide("Run time | Up to 120 minutes", "Run time | Up to 180 minutes") == ["Tidyo R5", "Tidyo R7 Max"]
    same = "Leaving the robot on its dock between runs is good for the battery."
    assert decide(same, same) == []
    # only the product's own name differs: the same answer
    assert decide("The R5 battery lasts 500 charge cycles.", "The R7 Max battery lasts 500 charge cycles.") == []


def test_a_weaker_product_is_no_alternative() -> None:
    assert decide("Run time | Up to 120 minutes", "Run time | Up to 180 minutes", r7_score=0.8) == []
    assert decide("Run time | Up to 120 minutes", "Run time | Up to 180 minutes", coverage=0.2) == []


def test_asked_in_another_language_any_differing_line_is_asked_back() -> None:
    # "扫地机器人的尘盒容量是多少？" shares no term with English passages: no line can be picked as the answer
    weights = {t: 1.0 for t in TOKENIZE("扫地机器人的尘盒容量是多少？")}
    text = "Empty the dustbin after every run.\nThe dustbin holds {} of dust."
    evidence = [Evidence("Tidyo R5", [passage("Tidyo R5", text.format("600 ml"))], 0.0),
                Evidence("Tidyo R7 Max", [passage("Tidyo R7 Max", text.format("400 ml"))], 0.0)]
    assert products_to_ask(evidence, weights, TOKENIZE, CATALOG.masks()).ask == ["Tidyo R5", "Tidyo R7 Max"]
    same = [Evidence(e.product, [passage(e.product, text.format("400 ml"))], 0.0) for e in evidence]
    assert products_to_ask(same, weights, TOKENIZE, CATALOG.masks()).ask == []


def test_only_products_whose_passages_list_the_code_asked_about_contend() -> None:
    passages = [passage("Tidyo R5", "What the lights mean: blue is charging.", 0.8),
                passage("Tidyo R7 Max", "What the lights mean: red is an error.", 0.8),
                passage("Washer", "Code | Meaning\nF03 | Drain pump blocked", 0.75)]
    assert contenders(passages) == ["Tidyo R5", "Tidyo R7 Max"]
    assert contenders(passages, CATALOG.codes_in("What does F03 mean?")) == ["Washer"]
    assert contenders(passages, CATALOG.codes_in("What does E5 mean?")) == ["Tidyo R5", "Tidyo R7 Max"]


def test_a_table_row_is_scored_with_its_header() -> None:
    table = "Part | Clean | Replace\nFilter | Tap clean every week | Every {} months"
    weights = {t: 1.0 for t in TOKENIZE("How often should the filter be replaced?")}
    lines_a = [table.format("2 to 4")]
    lines_b = [table.format("3 to 6")]
    evidence = [Evidence("A", [passage("A", lines_a[0])], 1.0), Evidence("B", [passage("B", lines_b[0])], 1.0)]
    assert products_to_ask(evidence, weights, TOKENIZE, []).ask == ["A", "B"]
    line, longer = "Filter | every 2 months", "Filter | every 2 months (R5 only)"
    assert same_answer([line], f"Intro.\n{line}", [longer], f"{longer}\nOther.", CATALOG.masks())
    assert not same_answer([line], line, ["Filter | every 3 months"], "Filter | every 3 months", CATALOG.masks())


def test_a_short_reply_naming_an_offered_product_picks_it() -> None:
    history = [{"role": "user", "content": "帐篷有多重？"},
               {"role": "assistant", "content": clarify_reply(["岚峰 LF-2 Pro", "岚峰 LF-3 Pro"], "zh").question}]
    assert choice_after_clarify("LF-3 Pro", history, CATALOG) == ("帐篷有多重？", "岚峰 LF-3 Pro")
    assert choice_after_clarify("是 LF-2 Pro 的", history, CATALOG) == ("帐篷有多重？", "岚峰 LF-2 Pro")
    assert choice_after_clarify("LF-3 Pro 的外帐防水指数是多少，地布呢？", history, CATALOG) is None
    assert choice_after_clarify("S10", history, CATALOG) is None
    assert choice_after_clarify("LF-3 Pro", history[:1], CATALOG) is None
