"""Request bodies are bounded while they arrive, never buffered whole first.

A declared Content-Length over the limit is answered at once, before any of the body is read; a body
without one (chunked) is counted as it streams in, and reading stops with a 413 once it outgrows the
limit. (FastAPI's own `max_body_size` answers a declared length with a plain-text 413, which would
break the one error shape.)
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag_app.api.errors import error_response

JSON_BODY_LIMIT = 1024 * 1024
_JSON_BODY_MESSAGE = f"request body: larger than the limit of {JSON_BODY_LIMIT} bytes"


class BodyLimitMiddleware:
    """`limits` maps a path to (bytes, message); other paths get JSON_BODY_LIMIT."""

    def __init__(self, app: ASGIApp, limits: Mapping[str, tuple[int, str]]) -> None:
        self.app = app
        self.limits = dict(limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, message = self.limits.get(scope["path"], (JSON_BODY_LIMIT, _JSON_BODY_MESSAGE))
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await error_response(413, "too_large", message)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message_in = await receive()
            received += len(message_in.get("body", b""))
            if received > limit:
                # An HTTPException passes through FastAPI's body parsing to the app's handler for it.
                raise HTTPException(413, message)
            return message_in

        await self.app(scope, counted, send)
