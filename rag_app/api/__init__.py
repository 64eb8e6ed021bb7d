"""The HTTP backend: FastAPI over the Assistant (see docs/contracts.md, "HTTP API")."""

from rag_app.api.app import create_app, serve
from rag_app.api.schemas import ask_response

__all__ = ["ask_response", "create_app", "serve"]
