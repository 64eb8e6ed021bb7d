"""The OpenAI chat-completions protocol, so bot frameworks built for OpenAI can point at the guides.

The answer's sources, session id, refusal flag and mode ride along as extra top-level fields of the
completion, and of the last chunk when streaming.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.sse import EventSourceResponse, format_sse_event
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from rag_app.answer import Answer
from rag_app.answer.stream import AnswerStream
from rag_app.api.conversation import Turn, close_turn, open_turn
from rag_app.api.errors import ApiError, documented
from rag_app.api.schemas import (
    AnswerExtras,
    AssistantMessage,
    ChatChoice,
    ChatCompletion,
    ChatCompletionRequest,
    ChatMessage,
    ModelCard,
    ModelList,
    Source,
    clarify_info,
)
from rag_app.api.security import authorize
from rag_app.api.state import ReadyAssistant, Service, service

log = logging.getLogger(__name__)

router = APIRouter(tags=["openai"], dependencies=[Depends(authorize)])

_SSE_DESCRIPTION = (
    "With `stream: true`: `chat.completion.chunk` events; the last one (finish_reason `stop`) also carries "
    "`sources`, `session_id`, `refused`, `mode`, `notice`, `clarify` and `product`; then `data: [DONE]`. An error after the "
    "stream started comes as an event `{\"error\": {\"code\", \"message\"}}`."
)

_SSE_EVENT = {  # OpenAPI 3.2 `itemSchema`: one event of the stream
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "string", "description": "a chat.completion.chunk as JSON, or [DONE]"}},
}


@router.get("/v1/models", responses=documented(401, 429))
async def models(request: Request) -> ModelList:
    """One model: the knowledge base (any model name is accepted by chat completions)."""
    return ModelList(data=[ModelCard(id=service(request).settings.rag_collection)])


@router.post(
    "/v1/chat/completions",
    response_model=ChatCompletion,
    responses={200: {"content": {"text/event-stream": {"itemSchema": _SSE_EVENT}},
                     "description": "The completion, or with `stream: true` its chunks. " + _SSE_DESCRIPTION},
               **documented(400, 401, 404, 413, 422, 429, 503)},
)
async def chat_completions(body: ChatCompletionRequest, request: Request,
                           assistant: ReadyAssistant) -> ChatCompletion | Response:
    """Answer the last user message, from the guides."""
    svc = service(request)
    question, history = _split(body.messages, svc.settings.max_history_turns)
    turn = await open_turn(svc, question, body.session_id, () if body.session_id else history)
    model = body.model or svc.settings.rag_collection
    filters = body.filters.values() if body.filters else None
    if body.stream:
        events = _events(svc, turn, assistant.stream(turn.question, turn.history, body.k, filters), model)
        return EventSourceResponse(events, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    answer = await run_in_threadpool(assistant.ask, turn.question, turn.history, body.k, filters)
    extras = _extras(answer, await close_turn(svc, turn, answer))
    return ChatCompletion(id=_completion_id(), created=int(time.time()), model=model,
                          choices=[ChatChoice(message=AssistantMessage(content=answer.text))],
                          **extras.model_dump())


def _split(messages: list[ChatMessage], max_history: int) -> tuple[str, list[dict[str, str]]]:
    """The question (last message) and up to `max_history` earlier user/assistant messages.

    OpenAI clients resend the whole conversation every time, so a long one is trimmed, not refused.
    """
    last = messages[-1]
    if last.role != "user":
        raise ApiError(422, "invalid_request", f"messages[{len(messages) - 1}].role: the last message "
                       f"must be the user's question, not '{last.role}'")
    earlier = [{"role": m.role, "content": m.text()} for m in messages[:-1]
               if m.role in ("user", "assistant")]
    return last.text(), earlier[-max_history:] if max_history else []


async def _events(svc: Service, turn: Turn, stream: Iterator[str | Answer],
                  model: str) -> AsyncIterator[bytes]:
    """SSE chunks of the answer as the Assistant yields it (each step in a worker thread)."""
    completion_id, created = _completion_id(), int(time.time())

    def chunk(delta: dict[str, str], finish_reason: str | None = None,
              extras: AnswerExtras | None = None) -> bytes:
        payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}
        return _event(payload | (extras.model_dump() if extras else {}))

    answer = AnswerStream(stream)
    try:
        yield chunk({"role": "assistant", "content": ""})
        async for delta in iterate_in_threadpool(answer):
            yield chunk({"content": delta})
        if rest := answer.ending():
            yield chunk({"content": rest})
        extras = _extras(answer.answer, await close_turn(svc, turn, answer.answer))
        yield chunk({}, "stop", extras)
        yield b"data: [DONE]\n\n"
    except Exception:
        # The 200 is already sent: the error goes in the stream, where OpenAI clients raise it.
        log.exception("answer stream failed")
        yield _event({"error": {"code": "internal_error", "message": "internal error while answering"}})
    finally:
        answer.close()  # a client that went away: let the LLM call go too


def _extras(answer: Answer, session_id: str) -> AnswerExtras:
    return AnswerExtras(sources=[Source.from_document(d) for d in answer.sources], session_id=session_id,
                        refused=answer.refused, mode=answer.mode, notice=answer.notice,
                        clarify=clarify_info(answer), product=answer.product)


def _event(payload: dict[str, Any]) -> bytes:
    return format_sse_event(data_str=json.dumps(payload, ensure_ascii=False))


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"
