"""`rag-ingest PATH... [--prune] [--rebuild] [--json]`: keep the knowledge base in line with the guides."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag_app.assistant import Assistant
from rag_app.commands.errors import user_errors
from rag_app.settings import Settings


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="rag-ingest", description="Load .md .txt .pdf .docx .html guides into the knowledge base."
    )
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders (searched recursively)")
    parser.add_argument("--prune", action="store_true", help="remove guides that no longer exist under PATHs")
    parser.add_argument("--rebuild", action="store_true", help="drop the collection and ingest from scratch")
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    parser.add_argument("--if-empty", action="store_true", help="do nothing when the knowledge base has chunks")
    parser.add_argument("--product", metavar="NAME",
                        help="the product these guides are about (else each guide's sidecar, folder or title says)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    with user_errors():
        assistant = Assistant(Settings())
        if args.if_empty and assistant.store.count() > 0:
            print(f"knowledge base already holds {assistant.store.count()} chunks; nothing to do")
            return 0
        report = assistant.ingest(args.paths, prune=args.prune, rebuild=args.rebuild, progress=sys.stderr.isatty(),
                                  product=args.product)
    summary = report.summary()
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"{report.files_seen} files: {report.files_ingested} ingested, {report.files_skipped} unchanged, "
            f"{report.files_failed} failed; {report.chunks_added} chunks added, "
            f"{report.chunks_deleted} deleted in {report.seconds:.1f}s"
        )
    return 1 if report.files_failed else 0
