"""Hybrid retrieval: fusion and the optional cross-encoder reranker (the gate: test_gate.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import torch
from sentence_transformers import CrossEncoder
from support.fake_reranker import FakeReranker
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

from rag_app.assistant import Assistant
from rag_app.retrieval import HttpReranker, Reranker, RerankerError, fuse, titles_named
from rag_app.settings import Settings
from rag_app.store import StoredChunk

CORPUS_WORDS = [
    "How do I clean the stove jet?", "Clear the jet with the cleaning needle supplied with the stove.",
    "帐篷上的树汁怎么去掉？ 用矿物油擦拭树汁", "Store the stove in its pouch in a dry place.",
]


def test_fusion_counts_how_far_ahead_a_passage_is_not_only_its_rank() -> None:
    # "a" leads the dense side by far and trails by a hair in BM25: reciprocal ranks would put "b" first
    dense = [("a", 0.90), ("b", 0.81), ("c", 0.80)]
    keyword = [("b", 5.0), ("c", 4.95), ("a", 4.9)]
    fused = fuse(dense, keyword, [], (1.0, 1.0, 0.0))
    assert sorted(fused, key=fused.__getitem__, reverse=True) == ["a", "b", "c"]
    opposed = ([("a", 0.9), ("b", 0.8)], [("b", 5.0), ("a", 1.0)])
    even, keyword_heavy = fuse(*opposed, [], (1.0, 1.0, 0.0)), fuse(*opposed, [], (1.0, 3.0, 0.0))
    assert max(even, key=even.__getitem__) == "a"
    assert even["b"] == 1.0  # the weakest dense candidate adds nothing; the best BM25 score adds its weight
    assert max(keyword_heavy, key=keyword_heavy.__getitem__) == "b"
    titled = fuse(dense, keyword, ["c"], (1.0, 1.0, 2.5))
    assert max(titled, key=titled.__getitem__) == "c"


def test_fusion_of_tied_or_missing_sides_keeps_every_candidate() -> None:
    assert fuse([("a", 0.8), ("b", 0.8)], [], [], (1.0, 1.0, 1.0)) == {"a": 1.0, "b": 1.0}
    assert fuse([], [("k", 2.0), ("j", 1.0)], [], (1.0, 1.0, 1.0)) == {"k": 1.0, "j": 0.5}


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised BERT cross-encoder built from a config: no download."""
    folder = tmp_path_factory.mktemp("reranker") / "tiny-reranker"
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.train_from_iterator(
        CORPUS_WORDS * 3,
        trainers.BpeTrainer(vocab_size=300, special_tokens=special,
                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
    )
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.get_vocab_size(), hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=256,
                        num_labels=1, initializer_range=0.5, pad_token_id=tokenizer.token_to_id("[PAD]"))
    BertForSequenceClassification(config).save_pretrained(folder)
    PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                            sep_token="[SEP]", model_max_length=256).save_pretrained(folder)
    return folder


@pytest.mark.slow
def test_reranker_orders_passages_by_its_own_scores(
    tiny_cross_encoder: Path, tmp_path: Path, small_guides: Path
) -> None:
    settings = Settings(_env_file=None, rag_data_dir=tmp_path / "data", reranker_model=str(tiny_cross_encoder))
    assistant = Assistant(settings)
    assistant.ingest([small_guides], progress=False)
    question = "How do I clean the stove jet?"
    passages = assistant.retrieve(question, 3)
    assert isinstance(assistant.retriever.reranker, Reranker) and len(passages) == 3
    model = CrossEncoder(str(tiny_cross_encoder))
    scores = model.predict([(question, p.page_content) for p in passages])
    assert list(scores) == sorted(scores, reverse=True)


def test_a_missing_reranker_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="RERANKER_MODEL"):
        Reranker(str(tmp_path / "no-such-model"))


DISHWASHER_GUIDE = """# Dishwasher Care

## Cleaning the filter
1. Switch the dishwasher off and unplug it.
2. Turn the cylinder filter anticlockwise and lift it out.
3. Pull the coarse filter off the fine filter.
4. Rinse both filters under warm running water.
5. Brush food remains off the fine mesh with a soft brush.
6. Soak the coarse filter in white vinegar for 20 minutes to dissolve limescale.
7. Rinse the vinegar off and let the filters dry.
8. Put the filters back and turn the cylinder clockwise until it clicks.

## Safety
Unplug the dishwasher before any cleaning and never touch the heating element while it is hot.

## Spray arms
Unplug the dishwasher before any cleaning and never touch the heating element while it is hot.

## Door seal
Wipe the door seal with a damp cloth once a week so that it stays soft and tight.
"""


@pytest.fixture
def dishwasher(tmp_path: Path) -> Assistant:
    folder = tmp_path / "guides"
    folder.mkdir()
    (folder / "dishwasher_en.md").write_text(DISHWASHER_GUIDE, encoding="utf-8")
    assistant = Assistant(Settings(_env_file=None, rag_data_dir=tmp_path / "data", chunk_match_tokens=48))
    assistant.ingest([folder], progress=False)
    return assistant


@pytest.mark.slow
def test_a_small_match_hands_on_its_whole_step_list_once(dishwasher: Assistant) -> None:
    passages = dishwasher.retrieve("How long should the coarse filter soak in vinegar?", 4)
    best = passages[0]
    assert "1. Switch the dishwasher off" in best.page_content and "8. Put the filters back" in best.page_content
    stored = {c.id: c.text for c in dishwasher.store.all_chunks()}
    assert len(stored[best.id]) < len(best.page_content)  # it matched on a part of the list
    assert len({p.page_content for p in passages}) == len(passages)  # the other parts took no slot


@pytest.mark.slow
def test_a_paragraph_repeated_in_another_section_takes_one_slot(dishwasher: Assistant) -> None:
    passages = dishwasher.retrieve("Must I unplug the dishwasher before cleaning it?", 5)
    # Five sections' worth of chunks, but only three different passages: the filter list, the
    # warning (in two sections) and the door seal.
    assert len(passages) == 3 and len({p.page_content for p in passages}) == 3
    assert sum("never touch the heating element" in p.page_content for p in passages) == 1
    assert all("passage" not in p.metadata for p in passages)


@pytest.mark.slow
def test_what_each_side_searches_for_orders_the_passages_and_the_scores_stay_the_questions(
        dishwasher: Assistant) -> None:
    question = "How do I look after the Acme DW5 door seal?"
    plain = {p.id: p.metadata["score"] for p in dishwasher.retriever.search(question, 5)}
    searched = "filter soak in white vinegar"
    passages = dishwasher.retriever.search(question, 5, keyword_query=searched, dense_query=searched)
    assert "white vinegar" in passages[0].page_content
    vector = np.asarray(dishwasher.embeddings.embed_query(question), dtype=np.float32)
    stored = dishwasher.store.collection.get(ids=[p.id for p in passages], include=["embeddings"])
    similarity = dict(zip(stored["ids"], (float(np.dot(vector, e)) for e in stored["embeddings"]), strict=True))
    for passage in passages:  # the gate's scale: similarity to the question asked, not to what was searched
        assert passage.metadata["score"] == pytest.approx(similarity[passage.id], abs=1e-3)
        assert passage.id not in plain or passage.metadata["score"] == pytest.approx(plain[passage.id], abs=1e-3)


def _pouch_first(query: str, text: str) -> float:
    """The server's opinion: the storage passage first, then longer texts before shorter ones."""
    return ("pouch" in text) + len(text) / 10_000


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/rerank", "/v1/rerank"])
def test_http_reranker_orders_passages_as_the_server_says(path: str, tmp_path: Path, small_guides: Path) -> None:
    question = "How do I clean the stove jet?"
    with FakeReranker(_pouch_first) as server:
        settings = Settings(_env_file=None, rag_data_dir=tmp_path / "data", reranker_url=server.url(path),
                            reranker_model="bge-reranker-v2-m3", reranker_api_key="secret")
        assistant = Assistant(settings)
        assistant.ingest([small_guides], progress=False)
        fused = assistant.retriever.model_copy(update={"reranker": None}).search(question, 3)
        reranked = assistant.retrieve(question, 3)
    assert isinstance(assistant.retriever.reranker, HttpReranker)
    assert "pouch" not in fused[0].page_content and "pouch" in reranked[0].page_content
    scores = [_pouch_first(question, p.page_content) for p in reranked]
    assert scores == sorted(scores, reverse=True)
    asked = server.requests[-1]
    assert (asked["path"], asked["query"], asked["model"], asked["auth"]) == (
        path, question, "bge-reranker-v2-m3", "Bearer secret")


@pytest.mark.slow
def test_a_reranker_failing_mid_service_leaves_the_fused_order_and_says_so(
    tmp_path: Path, small_guides: Path, caplog: pytest.LogCaptureFixture
) -> None:
    question = "How do I clean the stove jet?"
    with FakeReranker(_pouch_first) as server:
        settings = Settings(_env_file=None, rag_data_dir=tmp_path / "data", reranker_url=server.url("/rerank"),
                            reranker_timeout_s=0.5)
        assistant = Assistant(settings)
        assistant.ingest([small_guides], progress=False)
        fused = [p.id for p in assistant.retriever.model_copy(update={"reranker": None}).search(question, 3)]
        for failure, says in [(503, "answered 503"), (0, "timed out")]:  # 0: the server hangs
            server.fail_with = failure
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="rag_app.retrieval"):
                assert [p.id for p in assistant.retrieve(question, 3)] == fused
            assert "RERANKER_URL" in caplog.text and says in caplog.text.lower()


def test_a_reranker_that_cannot_serve_is_a_clear_error_at_start() -> None:
    with FakeReranker(_pouch_first) as server:
        with pytest.raises(RerankerError, match=r"RERANKER_URL\) answered 404"):
            HttpReranker(server.url("/no/such/endpoint")).check()
        gone = server.url("/rerank")
    with pytest.raises(RerankerError, match=r"/rerank \(RERANKER_URL\) failed"):
        HttpReranker(gone, timeout_s=2).check()


PHONE_GUIDE = """# Phone guide

## Simple Pay
Use Simple Pay to open Samsung Pay from the Lock screen, the Home screen or Always On Display. Swipe up from the
bottom of the screen and your payment cards are shown. Samsung Pay must be set up first.

## Samsung Pay
Pay with your phone at most card readers. Payments are authorised with your fingerprint or PIN, and each
payment uses a one-time token.

## Google Pay
Google Pay lets you pay in stores and in apps with the cards saved in your Google account.
"""


@pytest.mark.slow
def test_a_section_the_question_names_word_for_word_comes_first(tmp_path: Path) -> None:
    folder = tmp_path / "guides"
    folder.mkdir()
    (folder / "phone_en.md").write_text(PHONE_GUIDE, encoding="utf-8")
    assistant = Assistant(Settings(_env_file=None, rag_data_dir=tmp_path / "data"))
    assistant.ingest([folder], progress=False)
    # "Simple Pay" says "Samsung Pay" twice: both searches put it first (TITLE_WEIGHT=0 still does)
    passages = assistant.retrieve("What is Samsung Pay?", 3)
    assert [p.metadata["section"].split(" > ")[-1] for p in passages][:2] == ["Samsung Pay", "Simple Pay"]


@pytest.mark.slow
def test_the_words_asking_how_often_find_no_passage_of_their_own(tmp_path: Path) -> None:
    """"滤网多久换一次？": the FAQ on resetting after a change says "再重新操作一次"; the keyword side searches
    for the filter and its change, not for the 一次 of "how often"."""
    guides = Path(__file__).resolve().parents[2] / "data" / "guides"
    assistant = Assistant(Settings(_env_file=None, rag_data_dir=tmp_path / "data"))
    assistant.ingest([guides / "air_purifier_zh.html"], progress=False)
    top = assistant.retrieve("滤网多久换一次？", 1)
    assert [p.metadata["section"].split(" > ")[-1] for p in top] == ["何时需要更换滤网"]


def test_the_titles_a_question_names_are_whole_words_of_two_or_more() -> None:
    chunks = [StoredChunk(title, "text", {"section": f"Guide > Parent > {title}"})
              for title in ("Samsung Pay", "Pay", "Samsung Payments", "Simple Pay", "滤网复位", "复位")]
    assert titles_named("Is paying with SAMSUNG PAY safe?", chunks) == ["Samsung Pay"]
    assert titles_named("滤网复位键在哪里？", chunks) == ["滤网复位"]  # four characters weigh two words
    assert titles_named("How do I reset the filter?", chunks) == []
    # a title that is the product's name ("# Acme K1" over the introduction) names the product, not a section
    intro = StoredChunk("i", "text", {"section": "Acme K1", "product": "Acme K1", "model": "K1"})
    assert titles_named("How long does the Acme K1 take to boil?", [intro]) == []


@pytest.mark.slow
def test_a_keyword_hit_on_the_questions_commonest_words_does_not_outvote_the_meaning(tmp_path: Path) -> None:
    """Of "洗完穿了几天 有股怪味儿 咋去掉" the guide holds the word 穿 alone, once: in the temperature table's
    "加穿", which BM25 alone would put first. The FAQ that answers says 异味, not 怪味. The keyword side's hits
    hold a tenth of the question, so they count for less than the dense side's, which finds the FAQ."""
    guides = Path(__file__).resolve().parents[2] / "data" / "guides"
    assistant = Assistant(Settings(_env_file=None, rag_data_dir=tmp_path / "data"))
    assistant.ingest([guides / "down_jacket_care_zh.md"], progress=False)
    for question, section in (("极光 800 洗完穿了几天 有股怪味儿 咋去掉", "衣服有异味"),
                              ("极光 800 在柜子里放了一夏天 今年头一回拿出来穿 穿之前要怎么弄一下", "重新穿着前的准备")):
        top = assistant.retrieve(question, 1)
        assert [p.metadata["section"].split(" > ")[-1] for p in top] == [section], question
