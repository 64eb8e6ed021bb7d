"""Many products in one knowledge base, through the real Assistant (real Chroma, real embedding model):
tags at ingest, filters, the product a question names, asking back, and error codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag_app.assistant import Assistant
from rag_app.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture
def assistant(tmp_path: Path, product_guides: Path) -> Assistant:
    helper = Assistant(Settings(_env_file=None, rag_data_dir=tmp_path / "data"))
    report = helper.ingest([product_guides], progress=False)
    assert report.files_ingested == 3, report
    return helper


def products_of(passages: list) -> set[str]:
    return {str(p.metadata.get("product")) for p in passages}


def test_every_chunk_carries_its_guides_product(assistant: Assistant) -> None:
    tags = {(m["source"], m.get("product"), m.get("model")) for m in assistant.store.metadatas()}
    assert tags == {("kettle_k1.md", "Acme K1", "K1"), ("kettle_k2.md", "Acme K2", "K2"),
                    ("stove_en.md", "TrailFlame Camping Stove", "")} or tags == {
        ("kettle_k1.md", "Acme K1", "K1"), ("kettle_k2.md", "Acme K2", "K2"),
        ("stove_en.md", "TrailFlame Camping Stove", None)}
    assert assistant.products() == ["Acme K1", "Acme K2", "TrailFlame Camping Stove"]


def test_front_matter_is_not_guide_text(assistant: Assistant) -> None:
    texts = [c.text for c in assistant.store.all_chunks() if c.metadata["source"] == "kettle_k1.md"]
    assert texts and not any("product: Acme K1" in t for t in texts)


def test_a_filter_fills_the_top_k_with_the_chosen_product(assistant: Assistant) -> None:
    assert products_of(assistant.retrieve("How do I clean the burner?", 1)) == {"TrailFlame Camping Stove"}
    for product, source in (("Acme K1", "kettle_k1.md"), ("Acme K2", "kettle_k2.md")):
        k = assistant.store.sources()[source]  # every chunk of the guide, none of the others
        passages = assistant.retrieve("How do I clean the burner?", k, {"product": product})
        assert len(passages) == k and products_of(passages) == {product}
    both = assistant.retrieve("descaling", 4, {"product": ["Acme K1", "Acme K2"], "source": "kettle_k2.md"})
    assert both and products_of(both) == {"Acme K2"}


def test_a_question_naming_a_model_is_answered_about_it_alone(assistant: Assistant) -> None:
    answer = assistant.ask("What is the capacity of the K2?")
    assert answer.clarify is None and not answer.refused
    assert products_of(answer.sources) == {"Acme K2"}
    cited = "\n".join(d.page_content for d in answer.sources)
    assert "1.7 L" in cited and "1.5 L" not in cited
    assert answer.product == "Acme K2" and "Acme K2" in answer.text.splitlines()[0]


def test_differing_answers_are_asked_back_and_the_choice_answers_the_question(assistant: Assistant) -> None:
    question = "What is the capacity of the kettle?"
    asked = assistant.ask(question)
    assert asked.clarify is not None and asked.refused is False and asked.sources == []
    assert sorted(o["product"] for o in asked.clarify.options) == ["Acme K1", "Acme K2"]
    assert "Acme K1" in asked.text and "Acme K2" in asked.text

    history = [{"role": "user", "content": question}, {"role": "assistant", "content": asked.text}]
    chosen = assistant.ask("Acme K1", history=history)
    assert chosen.clarify is None and products_of(chosen.sources) == {"Acme K1"}
    assert "1.5 L" in chosen.sources[0].page_content

    filtered = assistant.ask(question, filters={"product": "Acme K2"})
    assert filtered.clarify is None and products_of(filtered.sources) == {"Acme K2"}
    assert "1.7 L" in filtered.sources[0].page_content


def test_the_same_answer_for_every_variant_is_given_directly(assistant: Assistant) -> None:
    answer = assistant.ask("Can I put the kettle in the dishwasher?")
    assert answer.clarify is None and not answer.refused
    assert len(products_of(answer.sources)) == 1  # one product's passages, never a mix
    assert "dishwasher" in answer.text


def test_an_error_code_finds_its_row_first_within_the_named_product(assistant: Assistant) -> None:
    passages = assistant.retrieve("What does E4 mean on the K2?", 3)
    assert products_of(passages) == {"Acme K2"} and "Base not connected" in passages[0].page_content
    asked = assistant.ask("What does error E4 mean?")
    assert asked.clarify is not None
    assert sorted(o["product"] for o in asked.clarify.options) == ["Acme K1", "Acme K2"]


def test_a_follow_up_naming_another_product_is_answered_about_that_product(assistant: Assistant) -> None:
    history = [{"role": "user", "content": "What is the capacity of the K1?"},
               {"role": "assistant", "content": "1.5 L"}]
    answer = assistant.ask("And the K2?", history)
    assert answer.clarify is None and answer.product == "Acme K2" and "1.7 L" in answer.text


def test_a_follow_up_naming_another_kind_leaves_the_conversations_product(assistant: Assistant) -> None:
    history = [{"role": "user", "content": "How do I clean the burner of the TrailFlame Camping Stove?"},
               {"role": "assistant", "content": "Remove the burner cap and brush soot off."}]
    answer = assistant.ask("What is the capacity of the kettle?", history)
    assert answer.clarify is not None, answer.text
    assert sorted(o["product"] for o in answer.clarify.options) == ["Acme K1", "Acme K2"]
    # a follow-up that names no other product stays on the conversation's
    same = assistant.ask("How often should I clean it?", history)
    assert not same.refused and same.clarify is None and products_of(same.sources) == {"TrailFlame Camping Stove"}


def test_a_follow_up_the_conversations_product_does_not_cover_is_searched_among_the_others(
        assistant: Assistant) -> None:
    history = [{"role": "user", "content": "How do I clean the burner of the TrailFlame Camping Stove?"},
               {"role": "assistant", "content": "Remove the burner cap and brush soot off."}]
    answer = assistant.ask("How much citric acid do I use against limescale?", history)
    assert not answer.refused, answer.text
    assert answer.clarify is not None and sorted(o["product"] for o in answer.clarify.options) == ["Acme K1", "Acme K2"]


def test_a_display_code_without_digits_finds_its_row(assistant: Assistant) -> None:
    question = "I descaled the K1 with citric acid and now it shows DE. What now?"  # draws the descaling section
    passages = assistant.retrieve(question, 3)
    assert "Descale reminder" in passages[0].page_content  # the code table's row before the sentence naming dE
    answer = assistant.ask(question).text
    assert "dE | Descale reminder, not a fault" in answer and "Boiled dry" not in answer


def test_a_message_the_question_quotes_finds_the_passage_that_lists_it(assistant: Assistant) -> None:
    # the question's other words draw the section on wiping the base; the quoted display message is the code
    # table's row
    question = 'I wiped the K2 base with a damp cloth and now the kettle shows "base not connected". Why?'
    passages = assistant.retrieve(question, 3)
    assert "E4 | Base not connected |" in passages[0].page_content
    assert "Seat the kettle firmly on its base" in assistant.ask(question).text


def test_changing_only_the_tags_retags_without_re_embedding(assistant: Assistant, product_guides: Path) -> None:
    before = assistant.store.collection.get(where={"source": "kettle_k2.md"}, include=["embeddings"])
    (product_guides / "kettle_k2.meta.yaml").write_text("product: Acme K2 Plus\nmodel: K2+\n", encoding="utf-8")
    report = assistant.ingest([product_guides], progress=False)
    assert (report.files_ingested, report.chunks_added, report.chunks_deleted) == (1, 0, 0)
    after = assistant.store.collection.get(where={"source": "kettle_k2.md"}, include=["embeddings", "metadatas"])
    assert after["ids"] == before["ids"]
    assert (after["embeddings"] == before["embeddings"]).all()
    assert {m["product"] for m in after["metadatas"]} == {"Acme K2 Plus"}
    assert all("category" not in m for m in after["metadatas"])
    assert "Acme K2 Plus" in assistant.products() and "Acme K2" not in assistant.products()
    assert assistant.ingest([product_guides], progress=False).files_skipped == 3


def test_ingest_product_option_names_every_guide(tmp_path: Path, product_guides: Path) -> None:
    helper = Assistant(Settings(_env_file=None, rag_data_dir=tmp_path / "other"))
    helper.ingest([product_guides / "stove_en.md"], progress=False, product="Stove X")
    assert {m["product"] for m in helper.store.metadatas()} == {"Stove X"}


OUTDOOR_GUIDES = {
    "sleeping_bag_en.md": """---
product: Northwind Hollow 15
category: sleeping bag
aliases: 睡袋
---
# Northwind Hollow 15 Sleeping Bag Care

## Washing
Wash the bag in a large front-loading machine on a gentle cycle with a down wash, at 30 °C at most.

## Long-term storage
Store the bag loose in the large breathable cotton storage sack supplied with it, never compressed in its stuff sack.
Keep it in a cool, dry cupboard and air it for a day every few months.
""",
    "tent_zh.md": """---
product: 岚峰 LF-2 Pro
category: 帐篷
aliases: tent
---
# 岚峰 LF-2 Pro 帐篷保养指南

## 收纳
雨天撤营时，可以先把湿帐篷单独装入防水袋，与睡袋、衣物分开存放，但必须在 24 小时内取出晾干。
超过一个月不使用时，将干燥的帐篷松散地放入透气的大网袋中，存放在阴凉干燥处。

## 清洗
用不超过 30°C 的温水和中性清洁剂手洗帐篷，不要放入洗衣机。
""",
    "backpack_zh.md": """---
product: 行迹 TrekLine 55+10
category: 背包
aliases: backpack
---
# 行迹 TrekLine 55+10 背包使用手册

## 装包
底部：放置睡袋等体积大、重量轻且在营地才会用到的物品，背包底部设有独立睡袋仓。

## 存放
长期存放前请清空背包，包括睡袋仓，晾干后放在阴凉干燥处，不要压在重物下面。

## 短期存放
两次出行之间，可以把背包挂起存放，睡袋仓的拉链保持打开，让内部通风。
""",
    "stove_en.md": """---
product: Emberline Cirrus 2
category: camping stove
aliases: [stove, 气炉]
---
# Emberline Cirrus 2 Stove Manual

## Carbon monoxide and ventilation
WARNING: Never use the stove inside a tent, tent vestibule, vehicle or any other enclosed space.
Every flame produces carbon monoxide, which you cannot see or smell.

## Cleaning the jet
Remove the jet with the multi-tool and soak it in isopropyl alcohol for 10 minutes.
""",
}


@pytest.fixture(scope="module")
def outdoor(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    folder = tmp_path_factory.mktemp("outdoor")
    for name, text in OUTDOOR_GUIDES.items():
        (folder / name).write_text(text, encoding="utf-8")
    helper = Assistant(Settings(_env_file=None, rag_data_dir=folder / "data"))
    assert helper.ingest([folder], progress=False).files_ingested == len(OUTDOOR_GUIDES)
    return helper


def test_a_question_is_answered_by_the_guide_of_its_subject_in_the_other_language(outdoor: Assistant) -> None:
    """The tent and backpack guides write 睡袋 in passing, next to 存放; the question is about the sleeping
    bag, whose guide is English."""
    answer = outdoor.ask("睡袋应该怎么长期存放？")
    assert not answer.refused and answer.clarify is None
    assert products_of(answer.sources) == {"Northwind Hollow 15"}
    assert "storage sack" in answer.text


def test_a_kind_named_as_a_place_is_not_what_the_question_is_about(outdoor: Assistant) -> None:
    for question in ("Can I cook in the tent vestibule?", "在帐篷里可以用气炉做饭吗？"):
        answer = outdoor.ask(question)
        assert not answer.refused and answer.clarify is None, question
        assert "Emberline Cirrus 2" in products_of(answer.sources), question
        assert "Never use the stove inside a tent" in answer.text, question


def test_a_named_products_name_does_not_choose_among_its_own_passages(tmp_path: Path) -> None:
    """Searching the guide a question names, the name tells no passage apart: the guide's introduction,
    which writes "R5" and "robot vacuum" most, is not what a question about the R5's warranty asks for."""
    guides = Path(__file__).resolve().parents[2] / "data" / "guides"
    helper = Assistant(Settings(_env_file=None, rag_data_dir=tmp_path / "data"))
    files = [guides / "robot_vacuum_r5_en.md", guides / "robot_vacuum_en.md"]
    assert helper.ingest(files, progress=False).files_ingested == 2
    top = helper.retrieve("R5 扫地机器人的保修期是多久？", k=1)
    assert [p.metadata["section"].split(" > ")[-1] for p in top] == ["Warranty and Consumables"]


def test_a_short_follow_up_naming_its_subject_is_not_prefixed_with_the_question_before(tmp_path: Path) -> None:
    """Without an LLM a short follow-up gets the question before it in front; one that names what it is
    about and asks its own thing would then be answered for both ("有多重" quoted the weight rows)."""
    guides = Path(__file__).resolve().parents[2] / "data" / "guides"
    helper = Assistant(Settings(_env_file=None, rag_data_dir=tmp_path / "data"))
    assert helper.ingest([guides / "tent_lf3_care_zh.md", guides / "tent_care_zh.md"], progress=False).files_ingested == 2
    first = helper.ask("LF-3 Pro 有多重？")
    history = [{"role": "user", "content": "LF-3 Pro 有多重？"}, {"role": "assistant", "content": first.text}]
    answer = helper.ask("帐篷怎么收纳？", history)
    assert not answer.refused and answer.product == "岚峰 LF-3 Pro", answer.text
    assert "kg" not in answer.text and "收纳" in answer.sources[0].metadata["section"], answer.text
    # a follow-up that only names another product still asks what was asked before
    other = helper.ask("那 LF-2 Pro 呢？", history)
    assert other.product == "岚峰 LF-2 Pro" and "1.85 kg" in other.text, other.text


def test_an_answer_names_its_product_and_a_follow_up_stays_on_it(tmp_path: Path) -> None:
    """"滤网怎么清洗？" finds only the purifier's passages and is answered directly; its answer says whose
    it is, so "多久清洁一次？", which the washer's guide answers too, stays on the purifier instead of
    asking back which product is meant."""
    guides = Path(__file__).resolve().parents[2] / "data" / "guides"
    helper = Assistant(Settings(_env_file=None, rag_data_dir=tmp_path / "data"))
    files = [guides / "air_purifier_zh.html", guides / "washing_machine_zh.docx", guides / "down_jacket_care_zh.md"]
    assert helper.ingest(files, progress=False).files_ingested == 3
    first = helper.ask("滤网怎么清洗？")
    assert first.clarify is None and first.product == "清屿 QY-600", first.text
    assert "清屿 QY-600" in first.text.splitlines()[0]
    history = [{"role": "user", "content": "滤网怎么清洗？"}, {"role": "assistant", "content": first.text}]
    answer = helper.ask("多久清洁一次？", history)
    assert answer.clarify is None and answer.product == "清屿 QY-600", answer.text
    # asked how often, the sentence saying so answers; the procedure's steps state no frequency: where they
    # are quoted at all, it is from the first one ("unplug first")
    assert "建议每 2 周清洁一次" in answer.text, answer.text
    assert "3. " not in answer.text or "1. 关机并拔下电源插头" in answer.text, answer.text
