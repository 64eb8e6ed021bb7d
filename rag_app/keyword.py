"""The keyword side of retrieval: Chinese/English tokenisation and a persisted bm25s index.

Manuals are full of exact terms (error codes, part names, model numbers) that dense vectors blur;
BM25 catches them. The index is rebuilt once per ingest that changed something, never per query.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path

import bm25s
import numpy as np

from ingest.text import CJK_CHAR, Tokenizer

# The longest Chinese word looked for where jieba cut a question differently from the guides.
MAX_WORD_CHARS = 4
PART_SHARE = 0.5  # what the parts of a compound word weigh together, the word itself weighing 1
# A question's grammar, not what it asks about: the parts of contractions ("won't" -> won + t, "kid's" ->
# kid + s) and reflexive pronouns. Customers write them, guides rarely do: as terms they would count as
# words the knowledge base never uses ("my phone won't charge" would look a third unknown).
GRAMMAR_WORDS = """s t d ll m re ve don didn doesn isn aren wasn weren won wouldn couldn shouldn hasn haven hadn
    needn myself yourself yourselves himself herself ourselves themselves"""


_NO_TOKENS = np.empty(0, dtype=np.int32)


class KeywordIndex:
    """BM25 over chunk ids, persisted under `directory`; reloads when another process re-indexed.

    Tokens are kept as int32 ids into one vocabulary and persisted as arrays (`tokens.npz`): at 100k
    chunks, lists of token strings (the earlier `tokens.json`, still read) took ~900 MB of RAM and
    8 s to load; the arrays take ~60 MB and well under a second. Scores are the same: BM25 depends
    on term counts and document lengths, not on how terms are numbered.
    """

    def __init__(self, directory: Path, tokenizer: Tokenizer | None = None) -> None:
        self.directory = directory
        self.tokenize = tokenizer or Tokenizer()
        self._tokens_path = directory / "tokens.npz"
        self._legacy_path = directory / "tokens.json"
        self._lock = threading.Lock()
        self._loaded_mtime: float | None = None
        self._ids: list[str] = []
        self._vocab: dict[str, int] = {}
        self._docs: dict[str, np.ndarray] = {}  # chunk id -> its tokens as vocabulary ids
        self._bm25: bm25s.BM25 | None = None
        self._document_frequency = np.zeros(0, dtype=np.int64)  # per vocabulary id
        self._tokenizer_version = self.tokenize.VERSION  # of the tokenizer that made the loaded tokens
        self._grammar = frozenset(self.tokenize(GRAMMAR_WORDS))

    @property
    def current(self) -> bool:
        """Whether the stored tokens were made by this tokenizer (else `replace_all` must rebuild them)."""
        self._refresh()
        return self._tokenizer_version == self.tokenize.VERSION

    def __len__(self) -> int:
        self._refresh()
        return len(self._ids)

    def update(self, added: Mapping[str, str], deleted: Iterable[str] = ()) -> None:
        """Add (id -> index text) and drop ids, then re-index once and persist atomically."""
        with self._lock:
            self._load_locked()
            for chunk_id in deleted:
                self._docs.pop(chunk_id, None)
            for chunk_id, text in added.items():
                self._docs[chunk_id] = self._encode(self.tokenize(text))
            self._persist_locked()

    def replace_all(self, entries: Mapping[str, str]) -> None:
        """Rebuild from scratch, e.g. from the store when the index is missing or out of step with it."""
        with self._lock:
            self._vocab = {}
            self._docs = {chunk_id: self._encode(self.tokenize(text)) for chunk_id, text in entries.items()}
            self._tokenizer_version = self.tokenize.VERSION
            self._persist_locked()

    def search(self, query: str, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk id, BM25 score) with a positive score, best first; with `allowed`, only among
        those ids (a filter), so the k are all of the chosen products."""
        self._refresh()
        query_tokens = self.query_terms(query)
        if self._bm25 is None or not query_tokens:
            return []
        by_weight: dict[float, list[int]] = {}
        for term, weight in self._word_weights(query_tokens).items():
            if self._frequency(term):
                by_weight.setdefault(weight, []).append(self._vocab[term])
        if not by_weight:
            return []
        scores = sum(weight * self._bm25.get_scores_from_ids(ids) for weight, ids in by_weight.items())
        if allowed is not None:
            mask = np.fromiter((i in allowed for i in self._ids), dtype=bool, count=len(self._ids))
            scores = np.where(mask, scores, 0.0)
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
        weights = self.term_weights(query)
        if not weights:
            return 0.0
        present = set(np.concatenate([self._docs.get(i, _NO_TOKENS) for i in chunk_ids] or [_NO_TOKENS]).tolist())
        return self._share(weights, present)

    def most_held(self, query: str, chunk_ids: Iterable[str]) -> float:
        """The most of the question's terms (IDF-weighted, as `coverage`) that any one of the chunks holds:
        how far the keyword side's hits can be trusted to be about the question, not about its commonest
        words."""
        weights = self.term_weights(query)
        return max((self._share(weights, set(self._docs.get(i, _NO_TOKENS).tolist())) for i in chunk_ids),
                   default=0.0)

    def _share(self, weights: Mapping[str, float], present: set[int]) -> float:
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if self._vocab.get(t) in present) / total if total > 0 else 0.0

    def absent_share(self, query: str, ignore: frozenset[str] = frozenset(), known: frozenset[str] = frozenset()) -> float:
        """IDF-weighted share of the question's terms (less `ignore`) that no chunk of the collection holds
        (nor `known`: e.g. the products' names and aliases, "扫地机器人" for an English guide).

        Mostly absent terms mean a product, part or feature the guides never mention (a sibling
        product, another appliance), however close the question's vector lands. A word counts once, not
        once per part jieba's search mode also yields ("吹出来", "吹出", "出来").
        """
        weights = {t: w for t, w in _once_per_word(self.term_weights(query)).items() if t not in ignore}
        total = sum(weights.values())
        absent = sum(w for t, w in weights.items() if self._frequency(t) == 0 and t not in known)
        return absent / total if total > 0 else 0.0

    def query_terms(self, query: str) -> list[str]:
        """The question's terms, where jieba cut it differently from the guides cut as the guides are:
        "多少根地钉" cuts as 根地|钉, the guides' "地钉 10 根" as 地钉|根, so 根地 becomes 地钉 + 根; "的帐杆收"
        cuts as 帐|杆|收, and the guides' word 帐杆 joins its characters (as search mode adds a word to its parts)."""
        self._refresh()
        lowered = query.lower()
        terms: list[str] = []
        for term in self.tokenize(query):
            recut = self._recut(lowered, term) if self._frequency(term) == 0 and CJK_CHAR.match(term) else None
            terms.extend(recut or [term])
            pair = terms[-2:]
            if len(pair) == 2 and min(map(len, pair)) == 1 and all(CJK_CHAR.match(t) for t in pair):
                joined = "".join(pair)
                if joined in lowered and self._frequency(joined):
                    terms.append(joined)
        return terms

    def _recut(self, text: str, term: str) -> list[str] | None:
        """A word of the collection that crosses the unknown term's edge in the text, and what it leaves of
        the term when that is a term of the collection too; None where there is none."""
        start = text.find(term)
        while start >= 0:
            end = start + len(term)
            for a in range(max(0, start - MAX_WORD_CHARS + 1), end):
                for b in range(max(a + 2, start + 1), min(len(text), a + MAX_WORD_CHARS) + 1):
                    word = text[a:b]
                    if not (a < start < b or a < end < b) or not self._frequency(word):
                        continue
                    rest = text[start:max(start, a)] + text[min(end, b):end]
                    if not rest or self._frequency(rest):
                        return [word, rest] if rest else [word]
            start = text.find(term, start + 1)
        return None

    def mentions(self, text: str) -> bool:
        """Whether some chunk holds each of the text's terms (e.g. a model number's)."""
        self._refresh()
        return all(self._frequency(t) > 0 for t in self.tokenize(text))

    def document_frequency(self, term: str) -> int:
        """How many chunks hold the term as one of their terms."""
        self._refresh()
        return self._frequency(term.lower())

    def term_weights(self, query: str) -> dict[str, float]:
        """IDF weight of each of the question's terms (unknown terms weigh the most), as `coverage` uses.

        A bare number no chunk holds is left out: it is the asker's own value ("size EU 44", "for 3
        people"), not something the guides should say; a code or model ("E21", "R5") is kept. So are the
        question's grammar words (`GRAMMAR_WORDS`).
        """
        self._refresh()
        corpus_size = len(self._ids)
        return {t: math.log((corpus_size + 1) / (self._frequency(t) + 0.5)) for t in set(self.query_terms(query))
                if not (t.isdigit() and self._frequency(t) == 0) and t not in self._grammar}

    def _word_weights(self, terms: list[str]) -> dict[str, float]:
        """Each term's weight in the BM25 sum. jieba's search mode cuts 净化器 into it and its parts 净化,
        化器, which would count the one word three times: the parts of a word the guides use share half a
        word's weight. Where the guides never use the word (大面积), its parts are the words (面积)."""
        shares = _part_shares(terms, lambda whole: self._frequency(whole) > 0)
        return {term: terms.count(term) * share for term, share in shares.items()}

    def _frequency(self, term: str) -> int:
        """How many chunks hold the term."""
        term_id = self._vocab.get(term)
        if term_id is None or term_id >= len(self._document_frequency):
            return 0
        return int(self._document_frequency[term_id])

    def _encode(self, tokens: list[str]) -> np.ndarray:
        """Token ids; an empty chunk is one "" token, so that it is still a document of length 1."""
        vocab = self._vocab
        return np.fromiter((vocab.setdefault(t, len(vocab)) for t in tokens or [""]), dtype=np.int32)

    def _stored(self) -> Path | None:
        """The file the index lives in: the array form, else an index written before it, else none."""
        return next((p for p in (self._tokens_path, self._legacy_path) if p.exists()), None)

    def _refresh(self) -> None:
        stored = self._stored()
        if (stored.stat().st_mtime if stored else None) != self._loaded_mtime:
            with self._lock:
                self._load_locked()

    def _load_locked(self) -> None:
        stored = self._stored()
        mtime = stored.stat().st_mtime if stored else None
        if mtime == self._loaded_mtime:
            return
        self._vocab, self._docs = {}, {}
        self._tokenizer_version = self.tokenize.VERSION if stored is None else 1  # 1: before it was recorded
        if stored == self._tokens_path:
            with np.load(stored, allow_pickle=False) as data:
                if "tokenizer" in data:
                    self._tokenizer_version = int(data["tokenizer"])
                terms, flat, ends = data["terms"].tolist(), data["flat"], np.cumsum(data["lengths"])
                self._vocab = {term: i for i, term in enumerate(terms)}
                self._docs = dict(zip(data["ids"].tolist(), np.split(flat, ends[:-1]) if len(ends) else [], strict=True))
        elif stored is not None:
            raw = json.loads(stored.read_text(encoding="utf-8"))
            self._docs = {i: self._encode(t) for i, t in zip(raw.get("ids", []), raw.get("tokens", []), strict=True)}
        self._build_locked()
        self._loaded_mtime = mtime

    def _build_locked(self) -> None:
        self._ids = list(self._docs)
        distinct = [np.unique(self._docs[i]) for i in self._ids]
        self._document_frequency = np.bincount(
            np.concatenate(distinct) if distinct else np.empty(0, dtype=np.int32), minlength=len(self._vocab)
        )
        if not self._ids:
            self._bm25 = None
            return
        bm25 = bm25s.BM25()
        bm25.index(bm25s.tokenization.Tokenized(ids=_AsLists([self._docs[i] for i in self._ids]),
                                                vocab=dict(self._vocab)), show_progress=False)
        self._bm25 = bm25

    def _persist_locked(self) -> None:
        self._build_locked()
        self.directory.mkdir(parents=True, exist_ok=True)
        docs = [self._docs[i] for i in self._ids]
        tmp = self._tokens_path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            np.savez(
                fh,
                ids=np.array(self._ids, dtype=str),
                terms=np.array(list(self._vocab), dtype=str),
                lengths=np.array([len(d) for d in docs], dtype=np.int64),
                flat=np.concatenate(docs) if docs else np.empty(0, dtype=np.int32),
                tokenizer=np.array(self._tokenizer_version),
            )
        os.replace(tmp, self._tokens_path)
        self._legacy_path.unlink(missing_ok=True)
        self._loaded_mtime = self._tokens_path.stat().st_mtime


class _AsLists(Sequence[list[int]]):
    """Each document's ids as a list only while bm25s looks at it: never all of them at once."""

    def __init__(self, docs: list[np.ndarray]) -> None:
        self._docs = docs

    def __len__(self) -> int:
        return len(self._docs)

    def __getitem__(self, index: int) -> list[int]:  # type: ignore[override]
        result: list[int] = self._docs[index].tolist()
        return result


def _part_shares(terms: Collection[str], is_word: Callable[[str], bool]) -> dict[str, float]:
    """Each term's share of a word: 1, or, for a part of a longer Chinese term of the question that
    `is_word`, PART_SHARE split among that word's parts."""
    unique = list(dict.fromkeys(terms))
    shares = {}
    for term in unique:
        wholes = [other for other in unique if other != term and term in other and CJK_CHAR.match(other)
                  and is_word(other)]
        longest = max(wholes, key=len) if wholes else None
        shares[term] = (PART_SHARE / sum(1 for other in unique if other != longest and other in longest)
                        if longest else 1.0)
    return shares


def _once_per_word(weights: dict[str, float]) -> dict[str, float]:
    """The weights with the parts of a longer Chinese term of the question sharing PART_SHARE, known to
    the guides or not: one word a customer writes, not three unknown words."""
    shares = _part_shares(weights, lambda _: True)
    return {term: weight * shares[term] for term, weight in weights.items()}
