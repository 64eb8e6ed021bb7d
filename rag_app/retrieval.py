"""Hybrid retrieval: dense (Chroma) + BM25, weighted reciprocal-rank fusion, optional reranker, relevance gate."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag_app.embeddings import GuideEmbeddings
from rag_app.keyword import KeywordIndex
from rag_app.products import Filters, chroma_where
from rag_app.settings import Settings
from rag_app.store import GuideStore, StoredChunk


class Reranker:
    """A sentence-transformers cross-encoder from a local folder or the local cache."""

    def __init__(self, model: str) -> None:
        from sentence_transformers import CrossEncoder

        try:
            self.model = CrossEncoder(model, local_files_only=True)
        except Exception as exc:
            raise RuntimeError(
                f"cannot load reranker '{model}' (RERANKER_MODEL): set it to a local folder. ({exc})"
            ) from exc

    def scores(self, query: str, texts: list[str]) -> list[float]:
        return [float(s) for s in self.model.predict([(query, t) for t in texts], show_progress_bar=False)]


def rrf(rankings: list[tuple[list[str], float]], rrf_k: int) -> dict[str, float]:
    """Weighted reciprocal-rank fusion: each list adds weight / (rrf_k + rank) to its ids."""
    fused: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, chunk_id in enumerate(ids, start=1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (rrf_k + rank)
    return fused


class HybridRetriever(BaseRetriever):
    """LangChain retriever; `search` is ungated (for eval), `invoke` applies the relevance gate (rag_app.gate)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: GuideStore
    embeddings: GuideEmbeddings
    keyword: KeywordIndex
    # Tuning comes from Settings (see make_retriever), so the defaults live in one place.
    k: int
    candidates: int
    dense_weight: float
    keyword_weight: float
    rrf_k: int
    reranker: Any = None
    gate: Any = None  # rag_app.gate.Gate, set by the Assistant: `invoke` returns nothing it refuses

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        codes: Sequence[re.Pattern[str]] = (),
    ) -> list[Document]:
        """Best k passages, best first, each with `score` = cosine similarity to the question.

        `filters` (product, model, ...) restrict both the dense and the keyword search, so all k are of
        the chosen products; passages holding one of the error `codes` the question asks about come first.
        """
        k = k or self.k
        where = chroma_where(filters or {})
        query_vector = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        dense = self.store.search(query_vector, self.candidates, where)
        allowed = set(self.store.ids_where(where)) if where else None
        keyword = self.keyword.search(query, self.candidates, allowed)
        fused = rrf(
            [([c.id for c, _ in dense], self.dense_weight), ([i for i, _ in keyword], self.keyword_weight)],
            self.rrf_k,
        )
        ranked = sorted(fused, key=fused.__getitem__, reverse=True)
        chunks = {c.id: (c, score) for c, score in dense}
        if codes:
            self._fetch_missing(ranked, chunks, query_vector)
            coded = [i for i in ranked if i in chunks and any(code.search(chunks[i][0].text) for code in codes)]
            ranked = coded + [i for i in ranked if i not in set(coded)]
        depth = max(k, 20) if self.reranker is not None else k
        top = ranked[:depth]
        self._fetch_missing(top, chunks, query_vector)
        top = [i for i in top if i in chunks]
        if self.reranker is not None and top:
            rerank = self.reranker.scores(query, [chunks[i][0].text for i in top])
            top = [i for _, i in sorted(zip(rerank, top, strict=True), key=lambda p: -p[0])]
        return [self._document(chunks[i][0], chunks[i][1], fused[i]) for i in top[:k]]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        passages = self.search(query)
        return passages if self.gate is None or self.gate.decide(query, passages).relevant else []

    def _fetch_missing(
        self, ids: Sequence[str], chunks: dict[str, tuple[StoredChunk, float]], query_vector: np.ndarray
    ) -> None:
        """Add the keyword-only hits among ids (not in the dense results) to chunks."""
        missing = [i for i in ids if i not in chunks]
        if missing:
            chunks.update(self._fetch_with_similarity(missing, query_vector))

    def _fetch_with_similarity(
        self, ids: list[str], query_vector: np.ndarray
    ) -> dict[str, tuple[StoredChunk, float]]:
        got = self.store.collection.get(ids=ids, include=["documents", "metadatas", "embeddings"])
        return {
            i: (StoredChunk(i, d or "", dict(m or {})), float(np.dot(np.asarray(e, dtype=np.float32), query_vector)))
            for i, d, m, e in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)
        }

    @staticmethod
    def _document(chunk: StoredChunk, similarity: float, fused: float) -> Document:
        metadata = dict(chunk.metadata)
        metadata.update(id=chunk.id, score=round(similarity, 4), fused_score=round(fused, 6))
        metadata.setdefault("page", None)
        return Document(page_content=chunk.text, metadata=metadata, id=chunk.id)


def make_retriever(
    settings: Settings, store: GuideStore, embeddings: GuideEmbeddings, keyword: KeywordIndex
) -> HybridRetriever:
    return HybridRetriever(
        store=store,
        embeddings=embeddings,
        keyword=keyword,
        k=settings.retrieval_k,
        candidates=settings.retrieval_candidates,
        dense_weight=settings.dense_weight,
        keyword_weight=settings.keyword_weight,
        rrf_k=settings.rrf_k,
        reranker=Reranker(settings.reranker_model) if settings.reranker_model else None,
    )
