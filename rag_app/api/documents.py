"""GET/POST/DELETE /v1/documents: the guides in the knowledge base.

An upload is ingested before the response; a file that cannot be read is refused by name and leaves
the store as it was (the ingest pipeline only writes a file's chunks once all of them are embedded).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ingest.loaders import SUPPORTED_SUFFIXES
from rag_app.api.errors import ApiError, documented
from rag_app.api.schemas import DeleteResult, DocumentInfo, DocumentList, UploadResult
from rag_app.api.security import authorize_admin
from rag_app.api.state import ReadyAssistant, service
from rag_app.assistant import upload_source

log = logging.getLogger(__name__)

FORM_OVERHEAD_BYTES = 64 * 1024  # multipart boundaries and part headers around the file
PATH = "/v1/documents"
MAX_FORM_FIELDS = 8
MAX_PRODUCT_CHARS = 200

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {
                    "type": "string", "format": "binary",
                    "description": f"one guide ({', '.join(sorted(SUPPORTED_SUFFIXES))}), up to MAX_UPLOAD_BYTES",
                },
                "product": {
                    "type": "string", "maxLength": MAX_PRODUCT_CHARS,
                    "description": "the product the guide is about (else its front matter or title says)",
                },
            },
        }}},
    }
}

router = APIRouter(prefix=PATH, tags=["documents"], dependencies=[Depends(authorize_admin)])


@router.get("", responses=documented(401, 403, 429, 503))
async def list_documents(assistant: ReadyAssistant) -> DocumentList:
    """Every guide in the knowledge base, with its chunk count."""
    sources = await run_in_threadpool(assistant.store.sources)
    return DocumentList(documents=[DocumentInfo(source=s, chunks=n) for s, n in sources.items()])


@router.post("", openapi_extra=_UPLOAD_BODY, responses=documented(400, 401, 403, 413, 422, 429, 503))
async def upload_document(request: Request, assistant: ReadyAssistant) -> UploadResult:
    """Upload one guide (multipart field `file`, optional `product`) and ingest it now; the same name
    replaces the old one."""
    svc = service(request)
    filename, content, product = await _read_upload(request, svc.settings.max_upload_bytes)
    source = upload_source(filename)
    if Path(source).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ApiError(400, "unsupported_file_type", f"file: '{filename}' is not a supported type; upload "
                       f"one of {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    async with svc.write_lock:
        report = await run_in_threadpool(assistant.ingest_upload, filename, content, False, log.warning, product)
    if report.files_failed:
        raise ApiError(422, "unreadable_document", f"file: {'; '.join(report.errors)}; nothing was ingested")
    return UploadResult(source=source, status="ingested" if report.files_ingested else "unchanged",
                        chunks_added=report.chunks_added, chunks_deleted=report.chunks_deleted)


@router.delete("/{source:path}", responses=documented(401, 403, 404, 429, 503))
async def delete_document(source: str, request: Request, assistant: ReadyAssistant) -> DeleteResult:
    """Remove a guide (by the `source` the list shows) and all its chunks."""
    svc = service(request)
    async with svc.write_lock:
        known = source in await run_in_threadpool(assistant.store.sources)
        removed = await run_in_threadpool(assistant.remove, source) if known else 0
    if not known:
        raise ApiError(404, "document_not_found", f"source: no document '{source}' in the knowledge base")
    return DeleteResult(source=source, chunks_deleted=removed)


async def _read_upload(request: Request, limit: int) -> tuple[str, bytes, str | None]:
    """The uploaded file's name and content, and the product field (BodyLimitMiddleware has bounded the
    body while it came in)."""
    async with request.form(max_files=1, max_fields=MAX_FORM_FIELDS) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "invalid_request", "file: a multipart file field named `file` is required")
        if upload.size is not None and upload.size > limit:
            raise ApiError(413, "too_large", upload_limit_message(limit))
        product = form.get("product")
        if product is not None and (not isinstance(product, str) or len(product) > MAX_PRODUCT_CHARS):
            raise ApiError(422, "invalid_request", f"product: must be a text of at most {MAX_PRODUCT_CHARS} characters")
        return upload.filename or "", await upload.read(), (product or "").strip() or None


def upload_limit_message(limit: int) -> str:
    return f"file: larger than the upload limit of {limit} bytes (MAX_UPLOAD_BYTES)"
