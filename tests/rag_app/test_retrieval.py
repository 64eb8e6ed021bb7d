"""Hybrid retrieval: fusion and the optional cross-encoder reranker (the gate: test_gate.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from sentence_transformers import CrossEncoder
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

from rag_app.assistant import Assistant
from rag_app.retrieval import Reranker, rrf
from rag_app.settings import Settings

CORPUS_WORDS = [
    "How do I clean the stove jet?", "Clear the jet with the cleaning needle supplied with the stove.",
    "帐篷上的树汁怎么去掉？ 用矿物油擦拭树汁", "Store the stove in its pouch in a dry place.",
]


def test_rrf_rewards_agreement_and_respects_weights() -> None:
    fused = rrf([(["a", "b", "c"], 1.0), (["b", "d"], 1.0)], rrf_k=60)
    assert max(fused, key=fused.__getitem__) == "b"
    keyword_heavy = rrf([(["a"], 1.0), (["d"], 3.0)], rrf_k=60)
    assert keyword_heavy["d"] > keyword_heavy["a"]


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
