"""Request and response bodies of the HTTP API (they are also its OpenAPI schema).

`ask_response` is the one place an Answer becomes the `POST /v1/ask` object, so `rag-ask --json`
prints exactly what the API returns.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.documents import Document
from pydantic import BaseModel, ConfigDict, Field

from rag_app.answer import Answer
from rag_app.gate import Calibration

SESSION_ID_MAX_CHARS = 128


class ErrorDetail(BaseModel):
    code: str = Field(description="machine-readable, e.g. `rate_limited`, `session_not_found`")
    message: str = Field(description="what went wrong, naming the field or limit at fault")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    status: Literal["ready"] = "ready"
    chunks: int = Field(description="chunks in the knowledge base")


class HistoryMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str


FilterValue = str | list[str] | None


class Filters(BaseModel):
    """Restrict the answer to guides whose tags match: every given field must match, any of its values."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"product": "Tidyo R5"}, {"category": "帐篷", "language": ["zh", "en"]},
    ]})

    product: FilterValue = None
    model: FilterValue = None
    category: FilterValue = None
    language: FilterValue = None
    source: FilterValue = Field(None, description="guide file name(s), as `GET /v1/documents` lists them")

    def values(self) -> dict[str, str | list[str]]:
        return self.model_dump(exclude_none=True)


class ClarifyOption(BaseModel):
    product: str = Field(description="send it back as `filters.product` (or as the next message) to get the answer")
    label: str


class ClarifyInfo(BaseModel):
    """The passages answer differently per product and nothing says which one is meant."""

    question: str
    options: list[ClarifyOption]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "How do I descale the kettle?"},
        {"question": "滤网多久清洗一次？", "k": 3},
    ]})

    question: str = Field(min_length=1, description="at most MAX_QUESTION_CHARS (2,000) characters")
    session_id: str | None = Field(
        None, max_length=SESSION_ID_MAX_CHARS,
        description="continue a server-kept conversation; omit to start a new one (its id is returned)",
    )
    history: list[HistoryMessage] | None = Field(
        None, description="earlier turns, for a new conversation only; at most MAX_HISTORY_TURNS messages"
    )
    k: int | None = Field(None, ge=1, le=50, description="passages to retrieve (default RETRIEVAL_K)")
    filters: Filters | None = Field(None, description="answer from these products' guides only")


class Source(BaseModel):
    """A passage the answer's [n] refers to: sources[n-1]."""

    id: str
    source: str = Field(description="guide file: path relative to the ingested folder, or the uploaded name")
    section: str = Field(description='heading path, "Title > Subtitle"; empty when the guide has none')
    page: int | None = Field(description="1-based page of a PDF; null otherwise")
    text: str
    score: float = Field(description="cosine similarity of the passage to the question")

    @classmethod
    def from_document(cls, doc: Document) -> Source:
        meta = doc.metadata
        return cls(id=str(meta.get("id") or doc.id or ""), source=str(meta.get("source", "")),
                   section=str(meta.get("section") or ""), page=meta.get("page"), text=doc.page_content,
                   score=float(meta.get("score", 0.0)))


class GateThresholds(BaseModel):
    threshold: float = Field(description="best passage's similarity below which the question is refused")
    confident: float = Field(description="similarity from which no term evidence is needed")
    floor: float = Field(description="similarity below which the question is refused whatever it names")
    certain: float = Field(description="similarity from which only a name the guides never mention refuses")


class GateInfo(BaseModel):
    """The relevance gate's thresholds for this knowledge base, measured by calibration."""

    origin: Literal["calibrated", "settings", "default"] = Field(
        description="`calibrated` for this collection and model, `default` before that; `settings` when "
                    "RELEVANCE_* replaced values of an uncalibrated collection")
    thresholds: dict[str, GateThresholds] = Field(
        description="per question language, `en` and `zh`; where the guides hold both languages also `zh>en` "
                    "and `en>zh`, used when the best passage is in the other language")
    min_coverage: float = Field(description="share of the question's distinctive terms the passages must hold "
                                            "between threshold and confident")
    max_absent: float = Field(description="share of the question's terms the guides never mention above "
                                          "which it is refused")
    calibrated_at: str = Field(description="ISO time of the calibration; empty when not calibrated")
    overridden: list[str] = Field(description="RELEVANCE_* settings that replaced measured values")

    @classmethod
    def from_calibration(cls, calibration: Calibration) -> GateInfo:
        return cls.model_validate(calibration.summary(), from_attributes=False)


class AskResponse(BaseModel):
    answer: str = Field(description="the answer, citing sources as [1], [2], ...")
    mode: Literal["llm", "extractive"] = Field(description="written by the LLM, or quoted from the guides")
    refused: bool = Field(description="true when the guides hold nothing relevant: the answer says so")
    sources: list[Source]
    session_id: str | None = Field(description="send it back to continue the conversation")
    notice: str | None = Field(None, description="why the LLM was not used, when it failed")
    refused_by: Literal["gate", "llm"] | None = Field(
        None, description="when refused: the relevance gate (before any LLM call), or the model's own reply")
    gate: GateInfo | None = Field(None, description="the relevance gate's thresholds for this knowledge base")
    clarify: ClarifyInfo | None = Field(None, description="set when the reply asks which product is meant")
    product: str | None = Field(None, description="the product the answer is about")

    @classmethod
    def from_answer(cls, answer: Answer, session_id: str | None,
                    calibration: Calibration | None = None) -> AskResponse:
        return cls(answer=answer.text, mode=answer.mode, refused=answer.refused,
                   sources=[Source.from_document(d) for d in answer.sources], session_id=session_id,
                   notice=answer.notice, clarify=clarify_info(answer), product=answer.product,
                   refused_by=answer.refused_by,
                   gate=GateInfo.from_calibration(calibration) if calibration else None)


def clarify_info(answer: Answer) -> ClarifyInfo | None:
    if answer.clarify is None:
        return None
    return ClarifyInfo(question=answer.clarify.question,
                       options=[ClarifyOption(**option) for option in answer.clarify.options])


def ask_response(answer: Answer, session_id: str | None, calibration: Calibration | None = None) -> dict[str, Any]:
    """The `POST /v1/ask` object for an Answer, as plain JSON types (also what `rag-ask --json` prints)."""
    return AskResponse.from_answer(answer, session_id, calibration).model_dump(mode="json")


# --- OpenAI chat completions --------------------------------------------------------------------------


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """OpenAI's request; sampling options (temperature, max_tokens, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": "guides", "messages": [{"role": "user", "content": "How do I descale the kettle?"}]},
        {"model": "guides", "stream": True,
         "messages": [{"role": "user", "content": "保温杯有异味怎么办？"}]},
    ]})

    model: str | None = Field(None, description="echoed back; any name works")
    messages: list[ChatMessage] = Field(
        min_length=1,
        description="the conversation, ending with the user's question. System messages are ignored. "
        "With session_id the server's copy of the conversation is used and only the last message counts; "
        "without, the last MAX_HISTORY_TURNS earlier messages are the history.",
    )
    stream: bool = False
    session_id: str | None = Field(None, max_length=SESSION_ID_MAX_CHARS,
                                   description="extension: continue a server-kept conversation")
    k: int | None = Field(None, ge=1, le=50, description="extension: passages to retrieve")
    filters: Filters | None = Field(None, description="extension: answer from these products' guides only")


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class AnswerExtras(BaseModel):
    """What rides along with an OpenAI response: the same fields as `POST /v1/ask` returns."""

    sources: list[Source]
    session_id: str
    refused: bool
    mode: Literal["llm", "extractive"]
    notice: str | None = None
    clarify: ClarifyInfo | None = None
    product: str | None = None


class ChatCompletion(AnswerExtras):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "rag-app"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# --- Documents ----------------------------------------------------------------------------------------


class DocumentInfo(BaseModel):
    source: str
    chunks: int


class DocumentList(BaseModel):
    documents: list[DocumentInfo]


class UploadResult(BaseModel):
    source: str = Field(description="the name the guide is stored under (use it to delete it)")
    status: Literal["ingested", "unchanged"]
    chunks_added: int
    chunks_deleted: int


class DeleteResult(BaseModel):
    source: str
    chunks_deleted: int
