"""The Chroma store: cosine space, batched writes, one embedding model per collection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag_app.embeddings import GuideEmbeddings, SentenceTransformerEngine, make_embeddings
from rag_app.settings import Settings
from rag_app.store import GuideStore, ModelMismatchError, StoredChunk, chunk_id, make_client


@pytest.fixture(scope="module")
def e5() -> GuideEmbeddings:
    return make_embeddings(Settings(_env_file=None))


def _chunks(n: int) -> list[StoredChunk]:
    return [
        StoredChunk(chunk_id("g.md", "S", f"text {i}"), f"text {i}", {"source": "g.md", "section": "S"})
        for i in range(n)
    ]


def test_writes_more_than_the_client_batch_limit(tmp_path: Path, e5: GuideEmbeddings) -> None:
    client = make_client(Settings(_env_file=None, rag_data_dir=tmp_path))
    store = GuideStore(client, "guides", e5)
    store._batch = 7  # a small limit, so the slicing is exercised with few vectors
    chunks = _chunks(30)
    vectors = np.asarray(e5.embed_documents([c.text for c in chunks]), dtype=np.float32)
    store.upsert(chunks, vectors)
    store.upsert(chunks, vectors)
    assert store.count() == 30
    assert store.collection.configuration_json["hnsw"]["space"] == "cosine"
    store.delete([c.id for c in chunks[:10]])
    assert store.count() == 20 and store.sources() == {"g.md": 20}
    assert {c.id for c in store.all_chunks()} == {c.id for c in chunks[10:]}  # read back in pages of 7
    assert len(store.metadatas()) == len(store.ids_for_source("g.md")) == len(store.chunks_of("g.md")) == 20


@pytest.mark.slow
def test_a_store_past_sqlites_variable_limit_reads_back_whole(tmp_path: Path, e5: GuideEmbeddings) -> None:
    """One unpaged Chroma `get` fails from about 32k chunks: the products list and a keyword-index
    rebuild read every chunk's metadata."""
    store = GuideStore(make_client(Settings(_env_file=None, rag_data_dir=tmp_path)), "guides", e5)
    chunks = _chunks(40_000)
    store.upsert(chunks, np.random.default_rng(0).standard_normal((len(chunks), 384)).astype(np.float32))
    assert store.sources() == {"g.md": 40_000} and len(store.metadatas()) == 40_000
    assert len(store.all_chunks()) == 40_000


def test_cosine_scores_rank_the_matching_passage_first(tmp_path: Path, e5: GuideEmbeddings) -> None:
    store = GuideStore(make_client(Settings(_env_file=None, rag_data_dir=tmp_path)), "guides", e5)
    texts = ["帐篷上的树汁可以用矿物油擦除。", "Descale the kettle with citric acid monthly."]
    chunks = [StoredChunk(chunk_id("g", "", t), t, {"source": "g", "section": ""}) for t in texts]
    store.upsert(chunks, np.asarray(e5.embed_documents(texts), dtype=np.float32))
    results = store.search(e5.embed_query("怎么去掉帐篷上的树汁？"), 2)
    assert results[0][0].text == texts[0]
    assert 0.0 < results[1][1] < results[0][1] <= 1.0


def test_refuses_a_different_embedding_model(tmp_path: Path, e5: GuideEmbeddings) -> None:
    client = make_client(Settings(_env_file=None, rag_data_dir=tmp_path))
    store = GuideStore(client, "guides", e5)
    chunks = _chunks(2)
    store.upsert(chunks, np.asarray(e5.embed_documents([c.text for c in chunks]), dtype=np.float32))
    minilm = GuideEmbeddings(SentenceTransformerEngine("all-MiniLM-L6-v2"))
    with pytest.raises(ModelMismatchError, match="--rebuild"):
        GuideStore(client, "guides", minilm)
