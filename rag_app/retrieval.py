"""Hybrid retrieval: dense (Chroma) + BM25 (+ the sections the question names), score fusion, distinct
passages, optional reranker (local cross-encoder or HTTP), relevance gate."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Collection, Sequence
from typing import Any, Protocol

import httpx
import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ingest.text import ASKED_QUANTITY, HAN, text_size
from rag_app.embeddings import GuideEmbeddings
from rag_app.keyword import KeywordIndex
from rag_app.products import ALIAS_SEPARATOR, PRODUCT_KEYS, Filters, chroma_where, lists_code
from rag_app.settings import Settings
from rag_app.store import PASSAGE_KEY, GuideStore, StoredChunk

logger = logging.getLogger(__name__)

RERANK_DEPTH = 20  # fused passages a reranker sees
LOOK_FURTHER = 4  # how far down the fused list distinct passages are sought, in multiples of those wanted
SHINGLE_CHARS = 5
TITLE_SIZE = 2  # words (a Han character counts half) of a section title a question can name word for word
_TITLE_WORD = re.compile(f"[a-z0-9][a-z0-9'-]*|{HAN.pattern}")
# A passage whose character shingles are this much inside one already taken from its guide adds nothing:
# manuals repeat paragraphs across sections, and the small chunks of one passage all hand on that passage.
NEAR_DUPLICATE = 0.8
# The keyword side counts by the most of the question one of its top k hits holds (IDF-weighted, to this
# power): its scores are scaled to its best hit, which may hold only the question's commonest words ("放",
# "起来" of "收起来放大半年 要怎么打理"), while the passage that answers shares none of them ("长期存放").
KEYWORD_TRUST = 0.5


class RerankerError(RuntimeError):
    """The reranking server cannot be used; the message names RERANKER_URL and what went wrong."""


class Rescorer(Protocol):
    def scores(self, query: str, texts: list[str]) -> list[float]: ...


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


class HttpReranker:
    """A reranking server: text-embeddings-inference's `/rerank`, or the Jina/Cohere `/v1/rerank` that
    vLLM, Xinference and hosted APIs serve. The request carries the texts under both names those
    servers read (`texts`, `documents`) and asks TEI to truncate rather than refuse long passages;
    the reply may be TEI's list of {index, score} or {"results": [{index, relevance_score}]}."""

    def __init__(self, url: str, model: str | None = None, api_key: str | None = None,
                 timeout_s: float = 10.0) -> None:
        self.url = url
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout_s, headers=headers)

    def check(self) -> None:
        """Fail at start, with the reason, rather than on the first question."""
        self.scores("ping", ["ping"])

    def scores(self, query: str, texts: list[str]) -> list[float]:
        body: dict[str, Any] = {"query": query, "texts": texts, "documents": texts, "truncate": True,
                                "return_text": False, "return_documents": False}
        if self.model:
            body["model"] = self.model
        try:
            response = self._client.post(self.url, json=body)
            response.raise_for_status()
            return _rerank_scores(response.json(), len(texts))
        except httpx.HTTPStatusError as exc:
            detail = exc.response.text[:200]
            raise RerankerError(f"reranker at {self.url} (RERANKER_URL) answered {exc.response.status_code}: "
                                f"{detail}") from exc
        except httpx.HTTPError as exc:
            raise RerankerError(f"reranker at {self.url} (RERANKER_URL) failed: {exc!r}") from exc
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise RerankerError(f"reranker at {self.url} (RERANKER_URL) sent a reply that is not a "
                                f"rerank result ({exc})") from exc


def _rerank_scores(reply: Any, count: int) -> list[float]:
    """Scores by input position from either reply shape; a text the server left out scores lowest."""
    items = reply["results"] if isinstance(reply, dict) else reply
    if not isinstance(items, list):
        raise TypeError("expected a list of {index, score} or {\"results\": [...]}")
    scores = [float("-inf")] * count
    for item in items:
        score = item["relevance_score"] if "relevance_score" in item else item["score"]
        scores[int(item["index"])] = float(score)
    return scores


def _shingles(text: str) -> set[str]:
    squashed = "".join(ch for ch in text.casefold()
                       if not (ch.isspace() or unicodedata.category(ch).startswith("P")))
    return {squashed[i : i + SHINGLE_CHARS] for i in range(max(len(squashed) - SHINGLE_CHARS + 1, 1))}


def _repeats(shingles: set[str], taken: list[set[str]]) -> bool:
    """Whether a text mostly repeats one already taken (a longer text that holds it adds something)."""
    return any(len(shingles & other) >= NEAR_DUPLICATE * len(shingles) for other in taken)


def titles_named(question: str, chunks: Sequence[StoredChunk]) -> list[str]:
    """Ids of the chunks whose section title the question names word for word: "What is Samsung Pay?" asks
    for the section "Samsung Pay", which both searches put below "Simple Pay". A title that is the product's
    name ("# Acme K1" over a guide's introduction) names the product, not a section."""
    asked = _title_words(question)
    return [chunk.id for chunk in chunks if _names_section(asked, chunk)]


def _names_section(asked: str, chunk: StoredChunk) -> bool:
    title = str(chunk.metadata.get("section") or "").split(" > ")[-1]
    words = _title_words(title)
    return text_size(title) >= TITLE_SIZE and words in asked and not any(
        words == _title_words(name) for key in PRODUCT_KEYS
        for name in str(chunk.metadata.get(key) or "").split(ALIAS_SEPARATOR))


def _title_words(text: str) -> str:
    """The text's words, space-separated and padded, Han characters one by one: "in" tests word for word."""
    return f" {' '.join(_TITLE_WORD.findall(text.casefold()))} "


def fuse(dense: Sequence[tuple[str, float]], keyword: Sequence[tuple[str, float]], titled: Collection[str],
         weights: tuple[float, float, float]) -> dict[str, float]:
    """Score fusion, normalised per question: the dense similarities scaled from the weakest candidate
    (0) to the best (1), the BM25 scores from zero to the best, summed with the (dense, keyword, title)
    weights; a chunk whose title the question names adds the title weight.

    Unlike reciprocal-rank fusion, how far apart the scores are counts, not only their order: a passage
    far ahead on one side and close behind on the other comes first. Cosine similarity has no natural
    zero (an unrelated passage still scores about 0.75 with e5), BM25 has (no word matched).
    """
    dense_weight, keyword_weight, title_weight = weights
    fused: dict[str, float] = {}
    if dense:
        low, high = min(s for _, s in dense), max(s for _, s in dense)
        for chunk_id, score in dense:
            fused[chunk_id] = dense_weight * ((score - low) / (high - low) if high > low else 1.0)
    if keyword:
        best = max(s for _, s in keyword)
        for chunk_id, score in keyword:
            fused[chunk_id] = fused.get(chunk_id, 0.0) + keyword_weight * score / best
    for chunk_id in titled:
        fused[chunk_id] = fused.get(chunk_id, 0.0) + title_weight
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
    title_weight: float
    reranker: Any = None
    gate: Any = None  # rag_app.gate.Gate, set by the Assistant: `invoke` returns nothing it refuses

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        codes: Sequence[re.Pattern[str]] = (),
        keyword_query: str | None = None,
        dense_query: str | None = None,
    ) -> list[Document]:
        """Best k passages, best first, each with `score` = cosine similarity to the question.

        `filters` (product, model, ...) restrict both the dense and the keyword search, so all k are of
        the chosen products; passages holding one of the error `codes` the question asks about come first.
        `keyword_query`, `dense_query`: what each side searches for, where it is not the question (the
        question less the names of the products it is restricted to: within their guides a name tells no
        passage apart, and pulls the search to the passages that repeat it). The keyword side also leaves
        out the words asking for a quantity ("滤网多久换一次" is not about a passage's "再操作一次"), and counts
        as far as its hits hold the question (`KEYWORD_TRUST`). The scores stay similarities to the
        question, the scale the relevance gate is calibrated on.
        """
        k = k or self.k
        where = chroma_where(filters or {})
        query_vector = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        dense_vector = (query_vector if dense_query is None or dense_query == query
                        else np.asarray(self.embeddings.embed_query(dense_query), dtype=np.float32))
        dense = self.store.search(dense_vector, self.candidates, where)
        allowed = set(self.store.ids_where(where)) if where else None
        searched = ASKED_QUANTITY.sub(" ", keyword_query or query)
        keyword = self.keyword.search(searched, self.candidates, allowed)
        trust = self.keyword.most_held(searched, [chunk_id for chunk_id, _ in keyword[:k]]) ** KEYWORD_TRUST
        fused = fuse([(c.id, score) for c, score in dense], keyword, titles_named(query, [c for c, _ in dense]),
                     (self.dense_weight, self.keyword_weight * trust, self.title_weight))
        ranked = sorted(fused, key=fused.__getitem__, reverse=True)
        chunks = {c.id: (c, score) for c, score in dense}
        if codes:
            self._fetch_missing(ranked, chunks, query_vector)
            coded = [i for i in ranked if i in chunks and any(code.search(chunks[i][0].text) for code in codes)]
            # the code table's row says what the code means; a sentence that names it in passing may not
            coded.sort(key=lambda i: not any(lists_code(chunks[i][0].text, code) for code in codes))
            ranked = coded + [i for i in ranked if i not in set(coded)]
        top = self._distinct(ranked, chunks, query_vector, RERANK_DEPTH if self.reranker is not None else k)
        if self.reranker is not None and len(top) > 1:
            try:
                rerank = self.reranker.scores(query, [_passage(chunks[i][0]) for i in top])
                top = [i for _, i in sorted(zip(rerank, top, strict=True), key=lambda p: -p[0])]
            except RerankerError as exc:
                logger.warning("%s; passages keep the fused order", exc)
        top = top[:k]
        if dense_vector is not query_vector:
            chunks.update(self._fetch_with_similarity(top, query_vector))
        return [self._document(chunks[i][0], chunks[i][1], fused[i]) for i in top]

    def _distinct(
        self, ranked: list[str], chunks: dict[str, tuple[StoredChunk, float]], query_vector: np.ndarray,
        wanted: int,
    ) -> list[str]:
        """The first `wanted` ids in fused order whose passages do not mostly repeat earlier ones of
        their guide (a manual repeats paragraphs; two products' manuals that share one both count).

        Chunks missing from the dense results are fetched in at most two calls (the first `wanted`,
        then up to three times as many when repeats were skipped), so the work per question depends on
        `wanted`, not on the size of the store.
        """
        taken: list[str] = []
        shingles: dict[str, list[set[str]]] = {}  # per guide: sibling products' guides share paragraphs
        for window in (ranked[:wanted], ranked[wanted : wanted * LOOK_FURTHER]):
            self._fetch_missing(window, chunks, query_vector)
            for chunk_id in window:
                if chunk_id not in chunks:
                    continue
                chunk = chunks[chunk_id][0]
                own, guide = _shingles(_passage(chunk)), shingles.setdefault(str(chunk.metadata.get("source")), [])
                if _repeats(own, guide):
                    continue
                taken.append(chunk_id)
                guide.append(own)
                if len(taken) == wanted:
                    return taken
        return taken

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
        metadata.pop(PASSAGE_KEY, None)
        metadata.update(id=chunk.id, score=round(similarity, 4), fused_score=round(fused, 6))
        metadata.setdefault("page", None)
        return Document(page_content=_passage(chunk), metadata=metadata, id=chunk.id)


def _passage(chunk: StoredChunk) -> str:
    """What a matched chunk hands on: the passage it was cut from, or itself."""
    return str(chunk.metadata.get(PASSAGE_KEY) or chunk.text)


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
        title_weight=settings.title_weight,
        reranker=make_reranker(settings),
    )


def make_reranker(settings: Settings) -> Rescorer | None:
    """RERANKER_URL (a server, asked for RERANKER_MODEL if set), else RERANKER_MODEL (a local
    cross-encoder), else none."""
    if settings.reranker_url:
        reranker = HttpReranker(settings.reranker_url, settings.reranker_model, settings.reranker_api_key,
                                settings.reranker_timeout_s)
        reranker.check()
        return reranker
    return Reranker(settings.reranker_model) if settings.reranker_model else None
