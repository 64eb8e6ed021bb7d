"""One question-and-answer turn of a conversation, shared by /v1/ask and /v1/chat/completions.

Checks the limits, finds the history (the session's, or the one the client sent), and after the
answer records the exchange, creating a session when the client had none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from rag_app.answer import Answer
from rag_app.api.errors import ApiError
from rag_app.api.sessions import Message
from rag_app.api.state import Service


@dataclass(frozen=True)
class Turn:
    question: str
    history: list[Message]
    session_id: str | None  # None: a new session is created when the turn is recorded


async def open_turn(svc: Service, question: str, session_id: str | None,
                    history: Sequence[Message] = ()) -> Turn:
    """422 for an empty or too long question or too long a history, 404 for an unknown session."""
    settings = svc.settings
    if not question.strip():
        raise ApiError(422, "invalid_request", "question: must not be empty")
    if len(question) > settings.max_question_chars:
        raise ApiError(422, "question_too_long", f"question: {len(question)} characters, over the limit of "
                       f"{settings.max_question_chars} (MAX_QUESTION_CHARS)")
    if len(history) > settings.max_history_turns:
        raise ApiError(422, "history_too_long", f"history: {len(history)} messages, over the limit of "
                       f"{settings.max_history_turns} (MAX_HISTORY_TURNS); use session_id to keep longer "
                       "conversations on the server")
    if session_id is None:
        return Turn(question, list(history), None)
    stored = await run_in_threadpool(svc.sessions.history, session_id)
    if stored is None:
        raise ApiError(404, "session_not_found", f"session_id: no session '{session_id}' (unknown, or "
                       f"expired after {settings.session_ttl_s} s unused); omit it to start a new one")
    return Turn(question, stored, session_id)


async def close_turn(svc: Service, turn: Turn, answer: Answer) -> str:
    """Record the exchange; returns the session id (a new one when the turn had none)."""
    exchange = [{"role": "user", "content": turn.question}, {"role": "assistant", "content": answer.text}]
    if turn.session_id is None:
        return await run_in_threadpool(svc.sessions.create, [*turn.history, *exchange])
    await run_in_threadpool(svc.sessions.append, turn.session_id, exchange)
    return turn.session_id
