"""Conversations kept server-side, so a bot can send just the new message.

SQLite under RAG_DATA_DIR: it survives restarts, needs no server, and one transaction per append keeps
concurrent requests on the same session from losing each other's turns. A session expires when it
has not been used for `ttl_s` seconds.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

Message = dict[str, str]  # {"role": "user" | "assistant", "content": ...}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    messages TEXT NOT NULL,
    updated REAL NOT NULL
)
"""


class SessionStore:
    """Session id -> the last `max_messages` messages of its conversation."""

    def __init__(self, path: Path, ttl_s: float, max_messages: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.ttl_s = ttl_s
        self.max_messages = max_messages
        self._clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def create(self, history: Sequence[Message] = ()) -> str:
        """A new session holding `history`; also the moment expired sessions are dropped."""
        session_id = secrets.token_urlsafe(16)
        now = self._clock()
        with self._transaction() as db:
            db.execute("DELETE FROM sessions WHERE updated < ?", (now - self.ttl_s,))
            db.execute("INSERT INTO sessions VALUES (?, ?, ?)",
                       (session_id, self._encode(history), now))
        return session_id

    def history(self, session_id: str) -> list[Message] | None:
        """The conversation so far, or None when the session is unknown or expired."""
        with self._transaction() as db:
            row = db.execute("SELECT messages, updated FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None or row[1] < self._clock() - self.ttl_s:
            return None
        return list(json.loads(row[0]))

    def append(self, session_id: str, messages: Sequence[Message]) -> None:
        """Add messages (in one transaction, so concurrent turns all land) and refresh the TTL."""
        with self._transaction() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT messages FROM sessions WHERE id = ?", (session_id,)).fetchone()
            merged = self._encode([*(json.loads(row[0]) if row else []), *messages])
            db.execute("INSERT INTO sessions VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE "
                       "SET messages = excluded.messages, updated = excluded.updated",
                       (session_id, merged, self._clock()))

    def _encode(self, messages: Sequence[Message]) -> str:
        kept = list(messages)[-self.max_messages:] if self.max_messages else []
        return json.dumps(kept, ensure_ascii=False)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection per call: sqlite3 connections must not be shared between threads."""
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            if db.in_transaction:
                db.execute("COMMIT")
