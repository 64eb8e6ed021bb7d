"""Every error the API returns has one shape, `{"error": {"code", "message"}}`, and names what is at fault."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag_app.api.schemas import ErrorResponse

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    503: "not_ready",
}
_DESCRIPTIONS = {
    400: "Malformed request: bad JSON or multipart, unsupported file type, conflicting fields",
    401: "Missing or unknown API key",
    403: "The API key's scope does not cover this endpoint (it needs `admin`)",
    404: "Unknown session or document",
    413: "Request body or uploaded file over the limit",
    422: "A field is missing, has the wrong type, or breaks a limit; a document that cannot be read",
    429: "Too many requests for this key",
    503: "The embedding model and store are not loaded (yet)",
}
_MAX_LISTED_ERRORS = 5


class ApiError(Exception):
    """An expected failure, answered with its status and a message for the caller."""

    def __init__(self, status: int, code: str, message: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def error_response(status: int, code: str, message: str,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, so the schema lists every status a route returns."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {"model": ErrorResponse, "description": _DESCRIPTIONS[status]}
        if status == 429:
            response["headers"] = {"Retry-After": {"description": "seconds to wait", "required": True,
                                                   "schema": {"type": "integer"}}}
        responses[status] = response
    return responses


def install_error_handlers(app: FastAPI) -> None:
    """Unexpected exceptions are answered by the request-context middleware (it knows the request id)."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors: unknown route, wrong method, unparsable multipart, body over the limit."""
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, _CODES.get(exc.status_code, "error"), str(exc.detail), exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Invalid JSON is a 400; well-formed JSON with missing or mistyped fields is a 422 naming them."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    broken = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if broken is not None:
        position = broken["loc"][-1] if len(broken["loc"]) > 1 else "?"
        reason = (broken.get("ctx") or {}).get("error", "invalid JSON")
        return error_response(400, "malformed_json",
                              f"request body: not valid JSON ({reason} at character {position})")
    listed = "; ".join(f"{_field(e['loc'])}: {e['msg']}" for e in errors[:_MAX_LISTED_ERRORS])
    more = f" (and {len(errors) - _MAX_LISTED_ERRORS} more)" if len(errors) > _MAX_LISTED_ERRORS else ""
    return error_response(422, "invalid_request", listed + more)


def _field(loc: Sequence[int | str]) -> str:
    """("body", "history", 0, "role") -> "history[0].role"."""
    parts = list(loc[1:]) if len(loc) > 1 and loc[0] in ("body", "query", "path", "header") else list(loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "request body"
