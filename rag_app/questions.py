"""The log of questions the guides could not answer (refused, or answered and rated 👎), grouped by meaning.

It tells the people who keep the guides what to write next. Kept in SQLite under RAG_DATA_DIR, each
entry holds only the question, its language, when it was asked, what happened and the passages the
search found: never an API key, a header or who asked. Entries older than the retention period are
deleted whenever the log is written or read.

Grouping compares question embeddings from the knowledge base's own model. Small multilingual models
give every pair of questions a high cosine (e5: 0.83-0.95 for unrelated questions, 0.94-0.99 for
paraphrases), so vectors are first centred on the mean of a reference set (a built-in bank of varied
product questions plus the logged questions themselves): what is left is what sets a question apart,
and paraphrases stand out from questions that merely share a topic.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
from langchain_core.documents import Document

Outcome = Literal["refused", "disliked"]
Embed = Callable[[list[str]], np.ndarray]  # texts -> query vectors, one row each
OUTCOMES: tuple[Outcome, ...] = ("refused", "disliked")
MAX_PASSAGES = 3
MAX_EXAMPLES = 5
DAY_S = 24 * 3600

# Varied customer questions across product kinds, both languages: the reference the vectors are centred
# on, so that grouping works from the first few logged questions on.
REFERENCE_QUESTIONS = (
    "How do I clean the filter?", "What does error code E4 mean?", "How often should I change the oil?",
    "Can I wash it in the dishwasher?", "How do I reset it to factory settings?", "Why is it making a noise?",
    "How long is the warranty?", "How do I store it over the winter?", "What batteries does it take?",
    "How do I connect it to Wi-Fi?", "Where can I buy spare parts?", "How do I descale the kettle?",
    "滤网怎么清洗？", "显示E4是什么故障？", "多久换一次机油？", "可以放洗碗机里洗吗？", "怎么恢复出厂设置？",
    "为什么有异响？", "保修期是多久？", "冬天怎么存放？", "用什么型号的电池？", "怎么连接无线网络？",
    "哪里能买到配件？", "水壶怎么除水垢？",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asked REAL NOT NULL,
    question TEXT NOT NULL,
    language TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('refused', 'disliked')),
    passages TEXT NOT NULL,
    answer_id TEXT UNIQUE,
    done INTEGER NOT NULL DEFAULT 0,
    vector BLOB
);
CREATE INDEX IF NOT EXISTS questions_asked ON questions (asked);
"""


@dataclass(frozen=True)
class LoggedQuestion:
    id: int
    asked: float
    question: str
    language: str
    outcome: Outcome
    passages: list[dict[str, object]]


@dataclass(frozen=True)
class QuestionGroup:
    """Questions that ask the same thing: one row of the console's list, one item of GET /v1/questions."""

    label: str
    entries: list[LoggedQuestion]  # newest first

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def last_asked(self) -> datetime:
        return datetime.fromtimestamp(self.entries[0].asked, UTC)

    @property
    def examples(self) -> list[str]:
        """Distinct wordings, newest first."""
        return list(dict.fromkeys(e.question for e in self.entries))[:MAX_EXAMPLES]

    @property
    def ids(self) -> list[int]:
        return [e.id for e in self.entries]

    @property
    def outcomes(self) -> Counter[str]:
        return Counter(e.outcome for e in self.entries)

    @property
    def found(self) -> list[str]:
        """The guides the search came closest with, most often first: where an answer might go."""
        sources = Counter(str(p.get("source")) for e in self.entries for p in e.passages[:1] if p.get("source"))
        return [source for source, _ in sources.most_common(MAX_PASSAGES)]

    def summary(self) -> dict[str, object]:
        return {"label": self.label, "count": self.count, "last_asked": self.last_asked.isoformat(),
                "examples": self.examples}

    def eval_cases(self) -> list[dict[str, object]]:
        """The group's wordings as QA lines (data/eval format) for a reviewer to complete.

        `source` and `answer` are null: today the guides cannot answer them, which is what the eval
        checks until someone writes the guide and fills both in. A 👎 keeps the passage it was answered
        from as `found`, a hint the eval loader ignores.
        """
        cases = []
        for entry in self.entries:
            if entry.question in (c["question"] for c in cases):
                continue
            top = entry.passages[0] if entry.passages else {}
            cases.append({"id": f"unanswered-{entry.id}", "question": entry.question, "answer": None,
                          "source": None, "section": None, "page": None, "outcome": entry.outcome,
                          "found": top.get("source")})
        return cases


class QuestionLog:
    """Append-only log of unanswered questions, with retention; `clock` is injectable for tests."""

    def __init__(self, path: Path, retention_days: int, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.retention_s = retention_days * DAY_S
        self.clock = clock
        self._created = False  # the file is made on first use: opening the log writes nothing

    def record(self, question: str, outcome: Outcome, passages: Sequence[Document], language: str,
               answer_id: str | None = None) -> None:
        """Log one question with the passages the search found (best first); `answer_id` lets a 👎 be
        taken back, and rating the same answer twice keeps one entry."""
        found = [{k: doc.metadata.get(k) for k in ("source", "section", "page", "score")}
                 for doc in passages[:MAX_PASSAGES]]
        with self._transaction() as db:
            self._purge(db)
            db.execute(
                "INSERT INTO questions (asked, question, language, outcome, passages, answer_id) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id) DO NOTHING",
                (self.clock(), question, language, outcome, json.dumps(found, ensure_ascii=False), answer_id),
            )

    def forget(self, answer_id: str) -> None:
        """Drop the entry of a rated answer (the 👎 was taken back or turned into 👍)."""
        with self._transaction() as db:
            db.execute("DELETE FROM questions WHERE answer_id = ?", (answer_id,))

    def entries(self, outcome: Outcome | None = None, since: float | None = None) -> list[LoggedQuestion]:
        """Open entries (not marked done), newest first."""
        query = "SELECT id, asked, question, language, outcome, passages FROM questions WHERE done = 0"
        params: list[object] = []
        if outcome is not None:
            query += " AND outcome = ?"
            params.append(outcome)
        if since is not None:
            query += " AND asked >= ?"
            params.append(since)
        with self._transaction() as db:
            self._purge(db)
            rows = db.execute(query + " ORDER BY asked DESC, id DESC", params).fetchall()
        return [LoggedQuestion(i, a, q, lang, o, json.loads(p)) for i, a, q, lang, o, p in rows]

    def mark_done(self, ids: Iterable[int]) -> None:
        """A group was dealt with (a guide written, or nothing to do): its entries leave the list."""
        with self._transaction() as db:
            db.executemany("UPDATE questions SET done = 1 WHERE id = ?", [(i,) for i in ids])

    def count(self) -> int:
        with self._transaction() as db:
            return int(db.execute("SELECT COUNT(*) FROM questions").fetchone()[0])

    def vectors(self, entries: Sequence[LoggedQuestion], embed: Embed) -> np.ndarray:
        """Each entry's question vector, computed once (in one batch for the new ones) and kept with it."""
        if not entries:
            return np.zeros((0, 0), dtype=np.float32)
        with self._transaction() as db:
            stored = dict(db.execute(
                f"SELECT id, vector FROM questions WHERE id IN ({','.join('?' * len(entries))})",
                [e.id for e in entries]).fetchall())
            missing = [e for e in entries if stored.get(e.id) is None]
            computed = np.asarray(embed([e.question for e in missing]), dtype=np.float32)
            for entry, vector in zip(missing, computed, strict=True):
                stored[entry.id] = vector.tobytes()
                db.execute("UPDATE questions SET vector = ? WHERE id = ?", (stored[entry.id], entry.id))
        return np.stack([np.frombuffer(stored[e.id], dtype=np.float32) for e in entries])

    def _purge(self, db: sqlite3.Connection) -> None:
        db.execute("DELETE FROM questions WHERE asked < ?", (self.clock() - self.retention_s,))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if not self._created:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            if not self._created:
                db.executescript(_SCHEMA)
                self._created = True
            yield db


def group_questions(entries: Sequence[LoggedQuestion], vectors: np.ndarray, reference: np.ndarray,
                    threshold: float) -> list[QuestionGroup]:
    """Greedy clustering of centred question vectors, newest entries seeding groups; most asked first.

    An entry joins the group whose centroid is most similar if that cosine reaches `threshold`. The
    label is the wording closest to the group's centroid.
    """
    if not entries:
        return []
    mean = np.vstack([reference, vectors]).mean(axis=0)
    centred = _unit(vectors - mean)
    members: list[list[int]] = []
    sums: list[np.ndarray] = []
    for i, vector in enumerate(centred):
        if sums:
            similarity = _unit(np.stack(sums)) @ vector
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                members[best].append(i)
                sums[best] = sums[best] + vector
                continue
        members.append([i])
        sums.append(vector.copy())
    groups = []
    for indices, total in zip(members, sums, strict=True):
        closest = indices[int(np.argmax(centred[indices] @ _unit(total[None])[0]))]
        groups.append(QuestionGroup(entries[closest].question, [entries[i] for i in indices]))
    return sorted(groups, key=lambda g: (-g.count, -g.entries[0].asked))


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


class QuestionGroups:
    """The log's open entries grouped by meaning with one embedding model (its reference embedded once)."""

    def __init__(self, log: QuestionLog, embed: Embed, threshold: float) -> None:
        self.log = log
        self.embed = embed
        self.threshold = threshold
        self._reference: np.ndarray | None = None

    def __call__(self, outcome: Outcome | None = None, since: float | None = None) -> list[QuestionGroup]:
        entries = self.log.entries(outcome, since)
        if self._reference is None:
            self._reference = np.asarray(self.embed(list(REFERENCE_QUESTIONS)), dtype=np.float32)
        return group_questions(entries, self.log.vectors(entries, self.embed), self._reference, self.threshold)
