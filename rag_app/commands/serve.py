"""`rag-serve`: the HTTP backend."""

from __future__ import annotations

import argparse

from rag_app.commands.errors import user_errors
from rag_app.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rag-serve", description="Run the HTTP backend.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    from rag_app.api import serve

    with user_errors():
        serve(Settings(), host=args.host, port=args.port)
    return 0
