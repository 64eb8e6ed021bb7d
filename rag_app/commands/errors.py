"""Turning expected failures into one clear line for command-line users instead of a stack trace."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rag_app.embeddings import EmbeddingModelNotFoundError
from rag_app.retrieval import RerankerError
from rag_app.store import StoreError


@contextmanager
def user_errors() -> Iterator[None]:
    """Exit 2 with `error: ...` for configuration and storage problems the user can fix."""
    try:
        yield
    except (StoreError, EmbeddingModelNotFoundError, RerankerError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        raise SystemExit(2) from None
