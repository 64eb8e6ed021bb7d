"""👍/👎 on answers, kept in SQLite under RAG_DATA_DIR so that bad answers become eval cases.

`export_qa` writes the 👎 items in the QA format of docs/contracts.md (one JSON object per line):

- `question`: what the user asked; `id`: `feedback-<n>`, stable across exports.
- `answer`: null. The answer was judged wrong, so it is no gold answer; a reviewer writes the right
  one (the rejected text rides along as `rejected_answer`, which the eval loader ignores).
- `source`, `section`, `page`: the top cited passage, the place the answer should most likely come
  from, to be checked by the reviewer. `section` is the last heading of the passage's path: the eval
  counts a hit when the gold section is one component of a passage's path. A 👎 on a refusal has no passage: they are null and
  `refused` is true, which under the QA format reads "cannot be answered": the reviewer must fill in
  the guide the user expected, or delete the line if the refusal was right.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO, Literal

from langchain_core.documents import Document

Rating = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id TEXT NOT NULL UNIQUE,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    sources TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    created REAL NOT NULL
)
"""


class FeedbackStore:
    """One row per rated answer; rating an answer again replaces its rating."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as db:
            db.execute(_SCHEMA)

    def record(self, question: str, answer: str, sources: Sequence[Document], rating: Rating, *,
               answer_id: str, refused: bool = False) -> None:
        """Keep the rating of one answer; `answer_id` identifies it so a changed mind overwrites."""
        cited = [{k: doc.metadata.get(k) for k in ("source", "section", "page")} for doc in sources]
        with self._transaction() as db:
            db.execute(
                "INSERT INTO feedback (answer_id, question, answer, refused, sources, rating, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id) DO UPDATE SET rating = excluded.rating",
                (answer_id, question, answer, int(refused), json.dumps(cited, ensure_ascii=False), rating,
                 time.time()),
            )

    def forget(self, answer_id: str) -> None:
        """Drop the rating of an answer (the user took the thumb back)."""
        with self._transaction() as db:
            db.execute("DELETE FROM feedback WHERE answer_id = ?", (answer_id,))

    def counts(self) -> dict[Rating, int]:
        with closing(self._connect()) as db:
            rows = dict(db.execute("SELECT rating, COUNT(*) FROM feedback GROUP BY rating").fetchall())
        return {"up": rows.get("up", 0), "down": rows.get("down", 0)}

    def export_qa(self, target: Path | IO[str]) -> int:
        """Write the 👎 items as QA lines (see the module docstring); returns how many."""
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT id, question, answer, refused, sources FROM feedback WHERE rating = 'down' ORDER BY id"
            ).fetchall()
        lines = [json.dumps(_qa_item(*row), ensure_ascii=False) + "\n" for row in rows]
        if isinstance(target, Path):
            target.write_text("".join(lines), encoding="utf-8")
        else:
            target.writelines(lines)
        return len(lines)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as db, db:
            yield db


def _qa_item(row_id: int, question: str, answer: str, refused: int, sources: str) -> dict[str, object]:
    top = (json.loads(sources) or [{}])[0]
    return {
        "id": f"feedback-{row_id}",
        "question": question,
        "answer": None,
        "source": top.get("source"),
        "section": str(top.get("section") or "").split(" > ")[-1] or None,
        "page": top.get("page"),
        "refused": bool(refused),
        "rejected_answer": answer,
    }
