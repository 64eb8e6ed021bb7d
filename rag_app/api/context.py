"""The request id: taken from X-Request-ID or made up, echoed in the response, stamped on every log line.

It lives in a context variable, which anyio copies into worker threads, so log lines from the core
(an LLM failure in rag_app.answer, say) carry the id of the request that caused them.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag_app.api.errors import error_response

REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_ID = re.compile(r"^[\w.:\-]{1,128}$")  # anything else could forge log lines

LOG_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"

request_id: ContextVar[str] = ContextVar("request_id", default="-")
log = logging.getLogger("rag_app.api")
access_log = logging.getLogger("rag_app.api.access")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record a handler emits (put it on handlers: they see propagated records)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def log_config(level: str = "INFO") -> dict[str, Any]:
    """dictConfig for uvicorn: ours, uvicorn's and pypdf's (broken uploads) loggers, never the root."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "filters": ["request_id"], "formatter": "plain"}},
        "loggers": {name: {"handlers": ["stderr"], "level": level, "propagate": False}
                    for name in ("rag_app", "ingest", "uvicorn", "pypdf")},
    }


class RequestContextMiddleware:
    """Request id, one access line per request, and a generic 500 (logged with the id) for any bug."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        rid = given if _CLIENT_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        responded = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                responded = True
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if not responded:
                response = error_response(500, "internal_error", f"internal error (request id {rid})")
                await response(scope, receive, send_with_id)
        finally:
            access_log.info("%s %s %d %.0f ms", scope["method"], scope["path"], status,
                            (time.perf_counter() - started) * 1000)
            request_id.reset(token)
