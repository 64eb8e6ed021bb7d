"""What the app holds between requests (on app.state.service), and the dependencies that hand it out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from rag_app.api.errors import ApiError
from rag_app.api.ratelimit import RateLimiter
from rag_app.api.sessions import SessionStore
from rag_app.assistant import Assistant
from rag_app.settings import Settings

NOT_READY_RETRY_S = 5


@dataclass
class Service:
    settings: Settings
    sessions: SessionStore
    limiter: RateLimiter
    # Ingest and delete rewrite the store, keyword index and manifest together: one at a time.
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    assistant: Assistant | None = None
    not_ready: str = "loading the embedding model and the store"


def service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


def ready_assistant(request: Request) -> Assistant:
    """The Assistant, or 503 with the reason while it loads (or after it failed to)."""
    svc = service(request)
    if svc.assistant is None:
        raise ApiError(503, "not_ready", svc.not_ready, headers={"Retry-After": str(NOT_READY_RETRY_S)})
    return svc.assistant


ReadyAssistant = Annotated[Assistant, Depends(ready_assistant)]
