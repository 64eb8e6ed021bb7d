"""Liveness and readiness probes: no key needed, no rate limit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from rag_app.api.errors import documented
from rag_app.api.schemas import HealthResponse, ReadyResponse
from rag_app.api.state import ready_assistant

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> HealthResponse:
    """The process answers (even while the model loads)."""
    return HealthResponse()


@router.get("/readyz", responses=documented(503))
async def readyz(request: Request) -> ReadyResponse:
    """The embedding model and the store are loaded; 503 with the reason otherwise."""
    assistant = ready_assistant(request)
    return ReadyResponse(chunks=await run_in_threadpool(assistant.store.count))
