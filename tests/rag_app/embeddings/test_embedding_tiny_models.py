"""Qwen3 and BGE code paths on tiny randomly initialised models built here (nothing is downloaded)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertModel, PreTrainedTokenizerFast, Qwen3Config, Qwen3Model

from rag_app.embeddings import GuideEmbeddings, SentenceTransformerEngine
from rag_app.embeddings.families import BGE_EN, QWEN3

TASK = "Given a question about a product, retrieve passages of its manual that answer the question"
TEXTS = [
    "How often should I clean the dishwasher filter?",
    "pump",
    "如何清洁洗碗机的过滤网？ Rinse the filter under warm running water and let it dry before refitting it.",
    "Error E4 means the drain pump is blocked",
]
CORPUS = [TASK, "Instruct: Query:", BGE_EN.query_prompt, *TEXTS]
HIDDEN = 32


def _bpe(special: list[str], post: Callable[[Tokenizer], processors.PostProcessor]) -> Tokenizer:
    """A byte-level BPE trained on CORPUS: any text tokenizes, none is unknown."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(CORPUS * 3, trainer)
    tokenizer.post_processor = post(tokenizer)
    return tokenizer


def _save_st(folder: Path, raw: Path, pooling: str) -> Path:
    modules = [Transformer(str(raw)), Pooling(HIDDEN, pooling_mode=pooling), Normalize()]
    SentenceTransformer(modules=modules, device="cpu").save(str(folder))
    return folder


def _qwen3_raw(folder: Path, padding_side: str) -> Path:
    eos = "<|endoftext|>"
    tokenizer = _bpe([eos], lambda t: processors.TemplateProcessing(
        single=f"$A {eos}", special_tokens=[(eos, t.token_to_id(eos))]))
    torch.manual_seed(0)
    config = Qwen3Config(
        hidden_size=HIDDEN, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1, head_dim=16,
        intermediate_size=64, vocab_size=tokenizer.get_vocab_size(), max_position_embeddings=128,
        pad_token_id=tokenizer.token_to_id(eos), eos_token_id=tokenizer.token_to_id(eos),
    )
    Qwen3Model(config).save_pretrained(folder)
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token=eos, pad_token=eos, padding_side=padding_side,
        model_max_length=128,
    ).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def qwen3_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Configured as the real Qwen3-Embedding: last-token pooling, left padding."""
    root = tmp_path_factory.mktemp("qwen3")
    return _save_st(root / "Qwen3-Embedding-tiny", _qwen3_raw(root / "raw", "left"), "lasttoken")


@pytest.fixture(scope="module")
def misconfigured_qwen3_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Same weights, saved with mean pooling and right padding."""
    root = tmp_path_factory.mktemp("qwen3-bad")
    return _save_st(root / "Qwen3-Embedding-tiny", _qwen3_raw(root / "raw", "right"), "mean")


@pytest.fixture(scope="module")
def bge_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bge")
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    tokenizer = _bpe(special, lambda t: processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[(s, t.token_to_id(s)) for s in ("[CLS]", "[SEP]")]))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(), hidden_size=HIDDEN, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128, pad_token_id=tokenizer.token_to_id("[PAD]"),
        initializer_range=0.5,  # so that a random CLS vector depends clearly on the text
    )
    raw = root / "raw"
    BertModel(config).save_pretrained(raw)
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
        sep_token="[SEP]", model_max_length=128,
    ).save_pretrained(raw)
    return _save_st(root / "bge-small-en-v1.5", raw, "cls")


def _engine(folder: Path, batch_size: int = 32) -> SentenceTransformerEngine:
    return SentenceTransformerEngine(str(folder), device="cpu", batch_size=batch_size, query_task=TASK)


def _raw(folder: Path, texts: list[str], prompt: str | None = None) -> np.ndarray:
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    return model.encode(texts, prompt=prompt, normalize_embeddings=True)


@pytest.mark.parametrize(("fixture", "family"), [("qwen3_folder", QWEN3), ("bge_folder", BGE_EN)])
def test_instruction_on_queries_only(fixture: str, family: object, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(fixture)
    embeddings = GuideEmbeddings(_engine(folder))
    assert embeddings.family == family
    query_prompt = embeddings.family.prompt("query", TASK)
    assert query_prompt

    text = TEXTS[0]
    query = np.array(embeddings.embed_query(text))
    document = np.array(embeddings.embed_documents([text])[0])
    assert not np.allclose(query, document, atol=1e-3)
    np.testing.assert_allclose(query, _raw(folder, [text], prompt=query_prompt)[0], atol=1e-5)
    np.testing.assert_allclose(document, _raw(folder, [text])[0], atol=1e-5)


@pytest.mark.parametrize("fixture", ["qwen3_folder", "bge_folder"])
def test_batch_equals_one_by_one_and_norm_one(fixture: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(fixture)
    embeddings = GuideEmbeddings(_engine(folder, batch_size=3))
    batch = np.array(embeddings.embed_documents(TEXTS))
    single = np.array([embeddings.embed_documents([t])[0] for t in TEXTS])
    np.testing.assert_allclose(batch, single, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    queries = np.array([embeddings.embed_query(t) for t in TEXTS])
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)


def test_qwen3_pads_left_and_pools_last_token(qwen3_folder: Path) -> None:
    model = _engine(qwen3_folder).model
    mask = model.tokenizer(TEXTS[:2], padding=True)["attention_mask"]
    assert mask[1][0] == 0 and mask[1][-1] == 1
    assert [m.pooling_mode for m in model if isinstance(m, Pooling)] == ["lasttoken"]


def test_qwen3_misconfigured_folder_is_fixed(qwen3_folder: Path, misconfigured_qwen3_folder: Path) -> None:
    fixed = _engine(misconfigured_qwen3_folder, batch_size=4)
    assert fixed.model.tokenizer.padding_side == "left"
    assert [m.pooling_mode for m in fixed.model if isinstance(m, Pooling)] == ["lasttoken"]
    reference = _engine(qwen3_folder, batch_size=4)
    np.testing.assert_allclose(fixed.embed(TEXTS, "document"), reference.embed(TEXTS, "document"), atol=1e-5)


def test_token_count_includes_prompt_and_special_tokens(qwen3_folder: Path, bge_folder: Path) -> None:
    for folder, specials in ((qwen3_folder, 1), (bge_folder, 2)):
        engine = _engine(folder)
        content = len(engine.model.tokenizer(TEXTS[2], add_special_tokens=False)["input_ids"])
        # Documents get no prompt in these families.
        assert engine.count_tokens(TEXTS[2]) == content + specials
        assert engine.max_tokens == 128


def test_fingerprint_names_the_model(bge_folder: Path) -> None:
    assert GuideEmbeddings(_engine(bge_folder)).fingerprint == f"st:bge-small-en-v1.5:{HIDDEN}"


@pytest.mark.parametrize("fixture", ["qwen3_folder", "bge_folder"])
def test_auto_backend_gives_the_torch_vectors(fixture: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """ONNX Runtime where the model exports and matches torch, torch where it does not: same vectors."""
    folder: Path = request.getfixturevalue(fixture)
    engine = SentenceTransformerEngine(str(folder), device="cpu", query_task=TASK, runtime="auto", onnx_cache=tmp_path)
    # ONNX exactly when an export was made (and checked against torch) into the cache.
    assert (engine.runtime == "onnx") == any(tmp_path.rglob("model.onnx")), engine.runtime
    query_prompt = engine.family.prompt("query", TASK)
    np.testing.assert_allclose(engine.embed(TEXTS, "document"), _raw(folder, TEXTS), atol=1e-5)
    np.testing.assert_allclose(engine.embed(TEXTS, "query"), _raw(folder, TEXTS, prompt=query_prompt), atol=1e-5)
