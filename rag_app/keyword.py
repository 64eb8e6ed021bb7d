"""The keyword side of retrieval: Chinese/English tokenisation and a persisted bm25s index.

Manuals are full of exact terms (error codes, part names, model numbers) that dense vectors blur;
BM25 catches them. The index is rebuilt once per ingest that changed something, never per query.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import logging

import bm25s
import jieba
import numpy as np
import Stemmer

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")

ENGLISH_STOP_WORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he
    her here hers him his how i if in into is it its itself just me more most my no nor not now of off on
    once only or other our ours out over own same she should so some such than that the their theirs them
    then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours my i'm it's don't can't should""".split()
)
CHINESE_STOP_WORDS = frozenset(
    "的 了 是 在 和 与 或 及 就 都 也 而 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 吗 呢 吧 啊 呀 么 "
    "怎么 怎样 如何 什么 为什么 哪 哪些 能 会 可以 要 应该 需要 有 没有 一个 上 中 下 对 把 被 让 给 请 "
    "时 后 前 还 又 再 很 太 多 少 个 之 其 该 于 以 为 从 到 等 ， 。 ？ ！ ； ： 、".split()
)


class Tokenizer:
    """jieba words for Chinese runs; lower-cased, stop-word-free, Snowball-stemmed words for the rest."""

    def __init__(self) -> None:
        jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not the user's business
        self._jieba = jieba.Tokenizer()
        self._stemmer = Stemmer.Stemmer("english")
        self._lock = threading.Lock()

    def __call__(self, text: str) -> list[str]:
        tokens: list[str] = []
        position = 0
        lowered = text.lower()
        for match in _CJK_RUN.finditer(lowered):
            tokens.extend(self._latin(lowered[position : match.start()]))
            tokens.extend(self._chinese(match.group()))
            position = match.end()
        tokens.extend(self._latin(lowered[position:]))
        return tokens

    def _latin(self, text: str) -> list[str]:
        words = [w for w in _WORD.findall(text) if w not in ENGLISH_STOP_WORDS]
        return self._stemmer.stemWords(words) if words else []

    def _chinese(self, run: str) -> list[str]:
        with self._lock:  # jieba's lazy dictionary load is not thread-safe
            words = self._jieba.lcut_for_search(run)
        return [w for w in words if w.strip() and w not in CHINESE_STOP_WORDS]


class KeywordIndex:
    """BM25 over chunk ids, persisted under `directory`; reloads when another process re-indexed."""

    def __init__(self, directory: Path, tokenizer: Tokenizer | None = None) -> None:
        self.directory = directory
        self.tokenize = tokenizer or Tokenizer()
        self._tokens_path = directory / "tokens.json"
        self._lock = threading.Lock()
        self._loaded_mtime: float | None = None
        self._ids: list[str] = []
        self._tokens: dict[str, list[str]] = {}
        self._bm25: bm25s.BM25 | None = None
        self._document_frequency: Counter[str] = Counter()

    def __len__(self) -> int:
        self._refresh()
        return len(self._ids)

    def update(self, added: Mapping[str, str], deleted: Iterable[str] = ()) -> None:
        """Add (id -> index text) and drop ids, then re-index once and persist atomically."""
        with self._lock:
            self._load_locked()
            for chunk_id in deleted:
                self._tokens.pop(chunk_id, None)
            for chunk_id, text in added.items():
                self._tokens[chunk_id] = self.tokenize(text)
            self._persist_locked()

    def replace_all(self, entries: Mapping[str, str]) -> None:
        """Rebuild from scratch, e.g. from the store when the index is missing or out of step with it."""
        with self._lock:
            self._tokens = {chunk_id: self.tokenize(text) for chunk_id, text in entries.items()}
            self._persist_locked()

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top-k (chunk id, BM25 score) with a positive score, best first."""
        self._refresh()
        query_tokens = self.tokenize(query)
        if self._bm25 is None or not query_tokens:
            return []
        scores = self._bm25.get_scores(query_tokens)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self._ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def coverage(self, query: str, chunk_ids: Iterable[str]) -> float:
        """IDF-weighted share of the question's terms that the given chunks contain.

        A question whose distinctive terms appear nowhere in the evidence ("espresso machine",
        "冰箱除霜") is about something the guides do not cover, however close its vector lands;
        terms unknown to the whole corpus weigh the most.
        """
        self._refresh()
        terms = set(self.tokenize(query))
        if not terms:
            return 0.0
        present = {t for chunk_id in chunk_ids for t in self._tokens.get(chunk_id, ())}
        corpus_size = len(self._ids)
        weights = {t: math.log((corpus_size + 1) / (self._document_frequency.get(t, 0) + 0.5)) for t in terms}
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in present) / total if total > 0 else 0.0

    def _refresh(self) -> None:
        mtime = self._tokens_path.stat().st_mtime if self._tokens_path.exists() else None
        if mtime != self._loaded_mtime:
            with self._lock:
                self._load_locked()

    def _load_locked(self) -> None:
        mtime = self._tokens_path.stat().st_mtime if self._tokens_path.exists() else None
        if mtime == self._loaded_mtime:
            return
        raw = json.loads(self._tokens_path.read_text(encoding="utf-8")) if mtime is not None else {}
        self._tokens = dict(zip(raw.get("ids", []), raw.get("tokens", []), strict=True))
        self._build_locked()
        self._loaded_mtime = mtime

    def _build_locked(self) -> None:
        self._ids = list(self._tokens)
        self._document_frequency = Counter(t for tokens in self._tokens.values() for t in set(tokens))
        corpus = [self._tokens[i] or [""] for i in self._ids]
        if not corpus:
            self._bm25 = None
            return
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        self._bm25 = bm25

    def _persist_locked(self) -> None:
        self._build_locked()
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self._tokens_path.with_suffix(".tmp")
        payload = {"ids": self._ids, "tokens": [self._tokens[i] for i in self._ids]}
        tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self._tokens_path)
        self._loaded_mtime = self._tokens_path.stat().st_mtime
