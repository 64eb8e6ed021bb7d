"""The one typed settings object, read from the environment and `.env`.

Built once by a shell (CLI, API, UI) and passed down; nothing else reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMBEDDING_MODEL = "multilingual-e5-small"

ApiScope = Literal["ask", "admin"]
API_SCOPES: tuple[ApiScope, ...] = ("ask", "admin")


class Settings(BaseSettings):
    """Every knob of the product; env var names are the field names in upper case."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Store
    rag_data_dir: Path = Path(".rag")
    chroma_host: str | None = None
    chroma_port: int = 8000
    rag_collection: str = Field("guides", min_length=3, max_length=512)

    # Embeddings
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    embedding_device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    embedding_batch_size: int = Field(32, ge=1)
    # sentence-transformers models only: auto = ONNX Runtime on CPU, torch on a GPU (see embeddings.engines)
    embedding_backend: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    embedding_query_task: str = (
        "Given a question about a product, retrieve passages of its manual that answer the question"
    )
    embedding_base_url: str | None = None
    embedding_api_key: str | None = None
    embedding_dimensions: int | None = None
    # Window of a model behind EMBEDDING_BASE_URL (the client cannot ask); local models report their own
    embedding_max_tokens: int = Field(512, ge=16)
    # Reuse vectors computed before (same model, same text): rebuilds and eval runs skip the engine
    embedding_cache_dir: Path | None = None

    # Chunking, counted in the embedding model's tokens
    chunk_max_tokens: int = Field(320, ge=32)
    chunk_overlap_tokens: int = Field(48, ge=0)
    # Chunks longer than this are matched as smaller parts, each handing on the whole chunk (0: off)
    chunk_match_tokens: int = Field(128, ge=0)

    # Retrieval
    retrieval_k: int = Field(5, ge=1, le=50)
    retrieval_candidates: int = Field(40, ge=1)
    # Fusion weights, chosen on emanual-s10, data/eval and its two user sets together (README "Measured");
    # title_weight is added to the dense candidates whose section title the question names word for word
    dense_weight: float = 1.0
    keyword_weight: float = 1.1
    title_weight: float = 0.5
    # The relevance gate calibrates itself per collection (rag_app.gate); a value set here overrides it
    relevance_threshold: float | None = Field(None, ge=-1.0, le=1.0)
    relevance_confident: float | None = Field(None, ge=-1.0, le=1.0)
    relevance_min_coverage: float | None = Field(None, ge=0.0, le=1.0)
    relevance_max_absent: float | None = Field(None, ge=0.0, le=1.0)
    reranker_model: str | None = None
    # A reranking server (TEI /rerank, or /v1/rerank of vLLM, Xinference, Jina, Cohere); RERANKER_MODEL
    # is then the model name sent to it
    reranker_url: str | None = None
    reranker_api_key: str | None = None
    reranker_timeout_s: float = Field(10.0, gt=0)

    # LLM (unset key, url or model: extractive mode)
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    llm_model: str | None = None
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 1
    llm_temperature: float = 0.1
    llm_streaming: bool = True  # off for servers whose SSE is broken: one request, one reply
    llm_max_tokens: int | None = Field(1024, ge=16)  # bounds a rambling small model
    llm_retry_after_s: float = Field(30.0, ge=0)  # after an outage, answer extractively this long

    # HTTP backend
    rag_api_keys: str | None = None
    rate_limit_per_minute: int = Field(120, ge=1)
    session_ttl_s: int = Field(24 * 3600, ge=60)
    max_question_chars: int = 2000
    max_history_turns: int = 20
    max_upload_bytes: int = 20 * 1024 * 1024
    shutdown_timeout_s: int = Field(30, ge=0)  # on SIGTERM, how long requests in flight may finish

    # Unanswered-questions log (refused questions and 👎), for the staff console and GET /v1/questions
    question_log: bool = True
    question_retention_days: int = Field(90, ge=1)
    # Cosine between centred question vectors at which two questions count as the same (see questions.py)
    question_group_similarity: float = Field(0.75, gt=-1.0, le=1.0)

    # Staff console: an scrypt hash (`python -m rag_app.ui.auth`), and/or Streamlit OIDC for these emails
    staff_password_hash: str | None = None
    staff_emails: str | None = None
    # The knowledge base's own eval set, run from the console: a QA file and the folder of its guides
    rag_eval_file: Path | None = None
    rag_eval_docs: Path | None = None

    @field_validator("chroma_host", "openai_api_key", "openai_base_url", "llm_model", "rag_api_keys",
                     "reranker_model", "reranker_url", "reranker_api_key", "embedding_base_url",
                     "embedding_api_key", "embedding_cache_dir", "staff_password_hash", "staff_emails",
                     "rag_eval_file", "rag_eval_docs", "relevance_threshold", "relevance_confident",
                     "relevance_min_coverage", "relevance_max_absent", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def api_keys(self) -> list[str]:
        """The keys without their scopes."""
        return list(self.api_key_scopes)

    @property
    def api_key_scopes(self) -> dict[str, frozenset[ApiScope]]:
        """key -> scopes: `key:ask` and `key:admin` have one, a plain `key` has all (as before scopes)."""
        scoped: dict[str, frozenset[ApiScope]] = {}
        for entry in (k.strip() for k in (self.rag_api_keys or "").split(",")):
            key, _, suffix = entry.rpartition(":")
            scope = next((s for s in API_SCOPES if s == suffix), None)
            if key and scope is not None:
                scoped[key] = scoped.get(key, frozenset()) | {scope}
            elif entry:
                scoped[entry] = frozenset(API_SCOPES)
        return scoped

    @property
    def staff_email_list(self) -> frozenset[str]:
        return frozenset(e.strip().lower() for e in (self.staff_emails or "").split(",") if e.strip())

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_model and (self.openai_base_url or self.openai_api_key))

    @property
    def uses_chroma_server(self) -> bool:
        return self.chroma_host is not None
