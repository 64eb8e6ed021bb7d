"""The Chroma store: embedded or server, cosine space, batched writes, one embedding model per collection."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from langchain_chroma import Chroma

from rag_app.embeddings import GuideEmbeddings
from rag_app.settings import Settings

FINGERPRINT_KEY = "embedding_fingerprint"
# Metadata of a chunk matched on but not handed on: the larger passage it belongs to (see chunk_document).
PASSAGE_KEY = "passage"


class StoreError(Exception):
    """The store cannot be used as asked; the message says what to do."""


class ModelMismatchError(StoreError):
    """The collection was filled by another embedding model; mixing vectors would break search."""


@dataclass(frozen=True)
class StoredChunk:
    """What one chunk becomes in the store."""

    id: str
    text: str
    metadata: dict[str, Any]


def chunk_id(source: str, section: str, text: str) -> str:
    """Stable id from source and content, so re-ingesting the same content never duplicates it."""
    return hashlib.sha256(f"{source}\x00{section}\x00{text}".encode()).hexdigest()[:32]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_client(settings: Settings) -> ClientAPI:
    """An embedded PersistentClient under RAG_DATA_DIR, or an HttpClient when CHROMA_HOST is set."""
    if settings.uses_chroma_server:
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port)
            client.heartbeat()
        except Exception as exc:
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
                f"(CHROMA_HOST/CHROMA_PORT): {exc}"
            ) from exc
        return client
    path = settings.rag_data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path))


class GuideStore:
    """The collection of one knowledge base, bound to the embedding model that filled it."""

    def __init__(self, client: ClientAPI, name: str, embeddings: GuideEmbeddings) -> None:
        self.client = client
        self.name = name
        fingerprint = embeddings.fingerprint
        self.collection: Collection = client.get_or_create_collection(
            name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={FINGERPRINT_KEY: fingerprint},
        )
        recorded = (self.collection.metadata or {}).get(FINGERPRINT_KEY)
        if recorded != fingerprint and self.collection.count() > 0:
            raise ModelMismatchError(
                f"collection '{name}' was built with embedding model '{recorded}', but EMBEDDING_MODEL gives "
                f"'{fingerprint}'. Re-ingest with `rag-ingest PATH --rebuild` to rebuild it with the new model, "
                "or set EMBEDDING_MODEL back."
            )
        if recorded != fingerprint:
            self.collection.modify(metadata={FINGERPRINT_KEY: fingerprint})
        self.vectorstore = Chroma(client=client, collection_name=name, embedding_function=embeddings)
        self._batch = max(1, client.get_max_batch_size())

    def metadata(self, key: str) -> Any:
        """A value stored with the collection, e.g. the gate's calibration."""
        return (self.collection.metadata or {}).get(key)

    def set_metadata(self, key: str, value: str) -> None:
        """Store a value with the collection, keeping the rest (Chroma replaces the metadata whole)."""
        self.collection.modify(metadata={**(self.collection.metadata or {}), key: value})

    def count(self) -> int:
        return self.collection.count()

    def upsert(self, chunks: Sequence[StoredChunk], vectors: np.ndarray) -> None:
        """Write in slices of the client's max batch size: Chroma refuses larger batches."""
        for start in range(0, len(chunks), self._batch):
            part = chunks[start : start + self._batch]
            self.collection.upsert(
                ids=[c.id for c in part],
                documents=[c.text for c in part],
                metadatas=[c.metadata for c in part],
                embeddings=vectors[start : start + len(part)],
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self._batch):
            self.collection.delete(ids=list(ids[start : start + self._batch]))

    def _get_all(self, **query: Any) -> dict[str, list[Any]]:
        """`collection.get` in pages: in one call Chroma binds a SQL variable per chunk and fails from
        about 32k chunks ("too many SQL variables")."""
        fields = ["ids", *query.get("include", [])]
        got: dict[str, list[Any]] = {name: [] for name in fields}
        offset = 0
        while True:
            page = self.collection.get(**query, limit=self._batch, offset=offset)
            for name in fields:
                got[name].extend(page[name] or [])
            if len(page["ids"]) < self._batch:
                return got
            offset += self._batch

    def ids_where(self, where: dict[str, Any]) -> list[str]:
        """Ids of the chunks matching a Chroma metadata filter."""
        return self._get_all(where=where, include=[])["ids"]

    def chunks_containing(self, text: str, limit: int) -> int:
        """How many chunks (counted up to `limit`) hold the text verbatim: Chroma's full-text filter."""
        return len(self.collection.get(where_document={"$contains": text}, limit=limit, include=[])["ids"])

    def texts(self, ids: Sequence[str]) -> list[str]:
        return [d or "" for d in self.collection.get(ids=list(ids), include=["documents"])["documents"]] if ids else []

    def update_metadata(self, ids: Sequence[str], fields: dict[str, Any]) -> None:
        """Set (None: remove) metadata fields of existing chunks without touching their vectors."""
        for start in range(0, len(ids), self._batch):
            part = list(ids[start : start + self._batch])
            self.collection.update(ids=part, metadatas=[dict(fields) for _ in part])

    def metadatas(self) -> list[dict[str, Any]]:
        """Every chunk's metadata, e.g. to list the knowledge base's products."""
        return [dict(m or {}) for m in self._get_all(include=["metadatas"])["metadatas"]]

    def ids_for_source(self, source: str) -> list[str]:
        return self._get_all(where={"source": source}, include=[])["ids"]

    def sources(self) -> dict[str, int]:
        """Chunk count per guide."""
        metadatas = self._get_all(include=["metadatas"])["metadatas"]
        return dict(sorted(Counter(str((m or {}).get("source", "")) for m in metadatas).items()))

    def chunks_of(self, source: str) -> list[StoredChunk]:
        got = self._get_all(where={"source": source}, include=["documents", "metadatas"])
        return [
            StoredChunk(id=i, text=d or "", metadata=dict(m or {}))
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def all_chunks(self) -> list[StoredChunk]:
        """Every chunk, for rebuilding derived indexes from the store (the source of truth)."""
        got = self._get_all(include=["documents", "metadatas"])
        return [
            StoredChunk(id=i, text=d or "", metadata=dict(m or {}))
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def search(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Nearest chunks with cosine similarity (1 - cosine distance), best first; `where` (a Chroma
        metadata filter) is applied inside the search, so k results match it when k chunks do."""
        # No count() first: Chroma 1.x returns what there is for a k above it (nothing when empty),
        # and counting scans the collection, ~7 ms per call at 100k chunks.
        res = self.collection.query(
            query_embeddings=[list(map(float, vector))],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (StoredChunk(id=i, text=d or "", metadata=dict(m or {})), 1.0 - float(dist))
            for i, d, m, dist in zip(
                res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
            )
        ]

    def best_similarities(self, vectors: np.ndarray, language: str | None = None) -> list[float]:
        """Each vector's cosine similarity to its nearest chunk (of that language), in one query (0.0 when
        there is none)."""
        if not len(vectors):
            return []
        res = self.collection.query(query_embeddings=vectors, n_results=1, include=["distances"],
                                    where={"language": language} if language else None)
        return [1.0 - float(d[0]) if d else 0.0 for d in res["distances"]]


def drop_collection(client: ClientAPI, name: str) -> None:
    """For --rebuild: the old vectors may come from another model, so they go entirely."""
    try:
        client.delete_collection(name)
    except Exception as exc:  # chromadb raises different types for "does not exist" across versions
        if "does not exist" not in str(exc).lower() and "not found" not in str(exc).lower():
            raise

