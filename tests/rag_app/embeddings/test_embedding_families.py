"""Family detection: the right prompts for each model name, whatever form the name takes."""

from __future__ import annotations

import pytest

from ingest.text import estimate_tokens
from rag_app.embeddings.families import BGE_EN, BGE_M3, BGE_ZH, E5, E5_INSTRUCT, QWEN3, detect_family

TASK = "Given a question about a product, retrieve passages of its manual that answer the question"


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("multilingual-e5-small", E5),
        ("intfloat/multilingual-e5-large", E5),
        ("/models/e5-base-v2/", E5),
        ("intfloat/multilingual-e5-large-instruct", E5_INSTRUCT),
        ("Qwen/Qwen3-Embedding-0.6B", QWEN3),
        ("/srv/models/Qwen3-Embedding-8B", QWEN3),
        ("BAAI/bge-small-en-v1.5", BGE_EN),
        ("bge-large-en-v1.5", BGE_EN),
        ("BAAI/bge-base-zh-v1.5", BGE_ZH),
        ("BAAI/bge-m3", BGE_M3),
    ],
)
def test_known_families(name: str, family: object) -> None:
    assert detect_family(name) == family


def test_prompts_of_each_family() -> None:
    assert (E5.prompt("query", TASK), E5.prompt("document", TASK)) == ("query: ", "passage: ")
    assert QWEN3.prompt("query", TASK) == f"Instruct: {TASK}\nQuery:"
    assert QWEN3.prompt("document", TASK) == ""
    assert BGE_EN.prompt("query", TASK) == "Represent this sentence for searching relevant passages: "
    assert BGE_ZH.prompt("query", TASK) == "为这个句子生成表示以用于检索相关文章："
    assert BGE_EN.prompt("document", TASK) == BGE_ZH.prompt("document", TASK) == ""
    assert BGE_M3.prompt("query", TASK) == BGE_M3.prompt("document", TASK) == ""
    assert QWEN3.last_token_pooling and not BGE_EN.last_token_pooling


def test_plain_model_uses_its_own_prompts() -> None:
    prompts = {"query": "search_query: ", "document": "search_document: "}
    family = detect_family("nomic-embed-text-v1.5", {"prompts": prompts, "default_prompt_name": None})
    assert family.name == "plain"
    assert family.prompt("query", TASK) == "search_query: "
    assert family.prompt("document", TASK) == "search_document: "


def test_plain_model_passage_prompt_and_default_prompt() -> None:
    family = detect_family("my-model", {"prompts": {"query": "q: ", "passage": "p: "}})
    assert (family.prompt("query", TASK), family.prompt("document", TASK)) == ("q: ", "p: ")
    config = {"prompts": {"clustering": "c: "}, "default_prompt_name": "clustering"}
    family = detect_family("my-model", config)
    assert (family.prompt("query", TASK), family.prompt("document", TASK)) == ("c: ", "c: ")


def test_plain_model_without_prompts() -> None:
    family = detect_family("all-MiniLM-L6-v2")
    assert family.name == "plain"
    assert family.prompt("query", TASK) == family.prompt("document", TASK) == ""


def test_token_estimate_for_servers() -> None:
    assert estimate_tokens("如何清洁过滤器") == 7
    assert estimate_tokens("clean the filter") == 4  # 3 words * 1.3, rounded up
    assert estimate_tokens("清洁 filter") == 2 + 2
