"""The FastAPI app and `serve`, what `rag-serve` runs.

The Assistant (embedding model, store) loads once, in a worker thread after startup, so /healthz and
/readyz answer while it loads; every blocking call runs in the thread pool, so a slow LLM holds up
only the request waiting for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

import anyio
import uvicorn
from fastapi import FastAPI

from rag_app.api import ask, chat, documents, health, questions
from rag_app.api.context import RequestContextMiddleware, log_config
from rag_app.api.errors import install_error_handlers
from rag_app.api.limits import BodyLimitMiddleware
from rag_app.api.ratelimit import RateLimiter
from rag_app.api.security import check_exposure
from rag_app.api.sessions import SessionStore
from rag_app.api.state import Service
from rag_app.assistant import Assistant
from rag_app.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings, load_assistant: Callable[[Settings], Assistant] = Assistant) -> FastAPI:
    """The app; `load_assistant` builds the Assistant at startup (tests pass one that fails)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = Service(
            settings=settings,
            sessions=SessionStore(settings.rag_data_dir / "sessions.sqlite3", settings.session_ttl_s,
                                  settings.max_history_turns),
            limiter=RateLimiter(settings.rate_limit_per_minute),
        )
        app.state.service = svc
        loading = asyncio.create_task(_load(svc, load_assistant))
        yield
        loading.cancel()
        with suppress(asyncio.CancelledError):
            await loading
        log.info("stopped")

    app = FastAPI(
        title="rag-app",
        summary="Cited answers from maintenance and care guides (Chinese and English).",
        description="Send `Authorization: Bearer <key>` with one of RAG_API_KEYS (none needed on loopback "
        "without keys). A key scoped `ask` may ask and chat; documents and questions need `admin` (403 "
        "otherwise). Errors are `{\"error\": {\"code\", \"message\"}}`.",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    upload_limit = (settings.max_upload_bytes + documents.FORM_OVERHEAD_BYTES,
                    documents.upload_limit_message(settings.max_upload_bytes))
    app.add_middleware(BodyLimitMiddleware, limits={documents.PATH: upload_limit})
    app.add_middleware(RequestContextMiddleware)
    for module in (health, ask, chat, documents, questions):
        app.include_router(module.router)
    return app


async def _load(svc: Service, load_assistant: Callable[[Settings], Assistant]) -> None:
    try:
        svc.assistant = await anyio.to_thread.run_sync(load_assistant, svc.settings)
    except Exception as exc:
        log.exception("cannot load the embedding model and store")
        svc.not_ready = f"loading failed: {exc}"
    else:
        svc.not_ready = ""
        log.info("ready: embedding model %s, %d chunks", svc.assistant.embeddings.fingerprint,
                 svc.assistant.store.count())


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Run the backend until SIGINT/SIGTERM, then finish the requests in flight (up to SHUTDOWN_TIMEOUT_S).

    Raises ValueError, before binding, for a non-loopback host without API keys.
    """
    check_exposure(host, settings.api_keys)
    uvicorn.run(create_app(settings), host=host, port=port, log_config=log_config(), access_log=False,
                timeout_graceful_shutdown=settings.shutdown_timeout_s)
