"""`rag-bench`: ingest throughput, query latency and memory on a synthetic corpus of guides.

Everything runs in a temporary folder, never RAG_DATA_DIR. One slice of the corpus is written as
markdown guides and ingested for real (load, chunk, embed, write, BM25), next to the embedding
engine alone on the same chunks; the same slice goes through the sentence-transformers path
(MiniLM) and LangChain's plain pipeline. The large stores for query latency reuse the slice's real
vectors, cycled with a small perturbation, because embedding 100k chunks would take hours here;
their texts are generated for BM25. Each store size is built and queried in a fresh process, so
its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from rag_app.commands.bench.measure import DEFAULT_SIZES, run_bench
from rag_app.commands.bench.report import plot, render


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(v.replace("_", "")) for v in value.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of chunk counts: {value!r}") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one positive chunk count")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rag-bench", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chunks", type=_sizes, default=list(DEFAULT_SIZES), help="store sizes, e.g. 10000,100000")
    parser.add_argument("--slice", type=int, default=2000, help="chunks embedded for real for the ingest figures")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per store size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--plot", type=Path, help="save a PNG of latency against corpus size")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.slice < 1 or args.queries < 1:
        parser.error("--slice and --queries must be positive")
    if args.plot and importlib.util.find_spec("matplotlib") is None:
        parser.error("--plot needs matplotlib, which the [bench] extra installs: pip install -e '.[bench]'")
    result = run_bench(args.chunks, args.slice, args.queries, args.seed, progress=not args.quiet)
    if args.plot:
        plot(result, args.plot)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        render(result, Console())
    return 0


if __name__ == "__main__":
    sys.exit(main())
