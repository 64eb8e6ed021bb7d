"""The forms of a `rag-bench` result: a table for people, a plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


def plot(result: dict[str, Any], target: Path) -> None:
    """Latency p50/p95 against corpus size, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [s["chunks"] for s in result["sizes"]]
    figure, axes = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    axes.plot(sizes, [s["query_p50_ms"] for s in result["sizes"]], "o-", label="p50")
    axes.plot(sizes, [s["query_p95_ms"] for s in result["sizes"]], "s-", label="p95")
    axes.axhline(50, color="grey", linestyle="--", linewidth=1, label="p95 target (50 ms)")
    axes.set_xscale("log")
    axes.minorticks_off()
    axes.set_xticks(sizes, [f"{s:,}" for s in sizes])
    axes.set_ylim(bottom=0)
    axes.set_xlabel("chunks in the store")
    axes.set_ylabel("retrieval latency (ms)")
    axes.set_title("Hybrid retrieval (query embedding + dense + BM25 + score fusion)")
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target)
    plt.close(figure)


def render(result: dict[str, Any], console: Console) -> None:
    """The readable form of the result."""
    sizes = Table(title="Retrieval (no LLM)")
    for column in ("chunks", "p50 ms", "p95 ms", "peak RSS MB", "fill s", "BM25 index s"):
        sizes.add_column(column, justify="right")
    for s in result["sizes"]:
        sizes.add_row(f"{s['chunks']:,}", f"{s['query_p50_ms']:.1f}", f"{s['query_p95_ms']:.1f}",
                      f"{s['peak_rss_mb']:.0f}", f"{s['fill_s']:.0f}", f"{s['keyword_index_s']:.0f}")
    console.print(sizes)
    ingest, st = result["ingest"], result["st_path"]
    table = Table(title="Ingest")
    for column in ("pipeline", "chunks", "chunks/s", "note"):
        table.add_column(column, justify="left" if column in ("pipeline", "note") else "right")
    table.add_row(f"ours, {ingest['model'].split(':')[1]}", str(ingest["chunks"]), f"{ingest['ingest_chunks_per_s']:.1f}",
                  f"{ingest['ratio']:.2f}x the engine alone")
    table.add_row("engine alone", str(ingest["chunks"]), f"{ingest['engine_chunks_per_s']:.1f}", "")
    for run in st["backends"]:
        table.add_row(f"ours, {st['model']} ({run['runtime']})", str(st["chunks"]), f"{run['ingest_chunks_per_s']:.1f}",
                      f"{run['speedup']:.2f}x plain, min cosine {run['min_cosine']:.4f}")
    table.add_row(f"LangChain plain, {st['model']}", str(st["chunks"]), f"{st['naive_ingest_chunks_per_s']:.1f}", "")
    console.print(table)
    console.print(
        f"first ingest {result['first_ingest_s']:.1f} s, unchanged re-ingest {result['reingest_unchanged_s']:.3f} s "
        f"({result['reingest_speedup']:.0f}x faster); {result['vectors']}; total {result['seconds']:.0f} s"
    )
