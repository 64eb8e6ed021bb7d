"""POST /v1/ask: the product's own question endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from rag_app.api.conversation import close_turn, open_turn
from rag_app.api.errors import ApiError, documented
from rag_app.api.schemas import AskRequest, AskResponse
from rag_app.api.security import authorize
from rag_app.api.state import ReadyAssistant, service

router = APIRouter(tags=["ask"], dependencies=[Depends(authorize)])


@router.post("/v1/ask", responses=documented(400, 401, 404, 413, 422, 429, 503))
async def ask(body: AskRequest, request: Request, assistant: ReadyAssistant) -> AskResponse:
    """Answer from the guides with numbered citations; `refused` when they hold nothing relevant."""
    svc = service(request)
    if body.session_id is not None and body.history:
        raise ApiError(400, "conflicting_fields", "history: not allowed with session_id (the session already "
                       "holds the conversation); send one or the other")
    history = [message.model_dump() for message in body.history or []]
    turn = await open_turn(svc, body.question, body.session_id, history)
    filters = body.filters.values() if body.filters else None
    answer = await run_in_threadpool(assistant.ask, turn.question, turn.history, body.k, filters)
    return AskResponse.from_answer(answer, await close_turn(svc, turn, answer), assistant.calibration)
