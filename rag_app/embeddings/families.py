"""Model families: which prompt each kind of text gets, decided from the model's name in one place.

Retrieval models are trained with fixed prompts; embedding a query without its prompt (or a document
with the query's) silently costs recall, so every engine takes its prompts from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Literal

Kind = Literal["query", "document"]


@dataclass(frozen=True)
class Family:
    """A family's prompts; `{task}` in the query prompt is replaced by the configured retrieval task."""

    name: str
    query_prompt: str = ""
    document_prompt: str = ""
    # The model reads its embedding off the last token, so batches must be left-padded.
    last_token_pooling: bool = False

    def prompt(self, kind: Kind, task: str) -> str:
        """The text put before an input of this kind."""
        return self.query_prompt.replace("{task}", task) if kind == "query" else self.document_prompt


E5 = Family("e5", query_prompt="query: ", document_prompt="passage: ")
# Qwen3-Embedding's own format (its config_sentence_transformers.json): no space after "Query:".
QWEN3 = Family("qwen3", query_prompt="Instruct: {task}\nQuery:", last_token_pooling=True)
E5_INSTRUCT = Family("e5-instruct", query_prompt="Instruct: {task}\nQuery: ")
BGE_EN = Family("bge", query_prompt="Represent this sentence for searching relevant passages: ")
BGE_ZH = Family("bge", query_prompt="为这个句子生成表示以用于检索相关文章：")
BGE_M3 = Family("bge-m3")

_BY_NAME: tuple[tuple[re.Pattern[str], Family], ...] = (
    (re.compile(r"qwen3-embedding.*"), QWEN3),
    (re.compile(r"(multilingual-)?e5-.*instruct"), E5_INSTRUCT),
    (re.compile(r"(multilingual-)?e5-(small|base|large)(-v2)?"), E5),
    (re.compile(r"bge-m3"), BGE_M3),
    (re.compile(r"bge-(small|base|large)-en(-v1\.5)?"), BGE_EN),
    (re.compile(r"bge-(small|base|large)-zh(-v1\.5)?"), BGE_ZH),
)


def model_basename(model_name_or_path: str | PurePath) -> str:
    """`BAAI/bge-small-en-v1.5`, `/models/bge-small-en-v1.5/` -> `bge-small-en-v1.5`."""
    return PurePath(str(model_name_or_path).rstrip("/\\")).name


def detect_family(model_name_or_path: str | PurePath, st_config: Mapping[str, Any] | None = None) -> Family:
    """The family of a hub id or folder; `st_config` (the keys of config_sentence_transformers.json:
    `prompts`, `default_prompt_name`) supplies the prompts of models outside the known families."""
    name = model_basename(model_name_or_path).lower()
    for pattern, family in _BY_NAME:
        if pattern.fullmatch(name):
            return family
    return _plain(st_config or {})


def _plain(st_config: Mapping[str, Any]) -> Family:
    """A model's own configured prompts: `query`, `document` (or `passage`), else its default prompt."""
    prompts: Mapping[str, str] = st_config.get("prompts") or {}
    default = prompts.get(st_config.get("default_prompt_name") or "", "")
    document = prompts.get("document", prompts.get("passage", default))
    return Family("plain", query_prompt=prompts.get("query", default), document_prompt=document)
