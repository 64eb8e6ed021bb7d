"""The chat model behind generated answers, and what its failures mean for the user."""

from __future__ import annotations

from dataclasses import dataclass

import openai
from langchain_core.exceptions import ModelConnectionError, ModelError, ModelTimeoutError
from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from rag_app.settings import Settings


@dataclass(frozen=True)
class Failure:
    """Why the LLM could not answer, in both languages; persistent ones pause it for a while."""

    en: str
    zh: str
    persistent: bool


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The LLM behind the answers, or None (extractive mode) when no model is configured."""
    if settings.llm_model is None or not settings.llm_configured:
        return None
    compatible_server = settings.openai_base_url is not None
    return ChatOpenAI(
        model=settings.llm_model,
        base_url=settings.openai_base_url,
        api_key=SecretStr(settings.openai_api_key or "not-needed"),  # llama.cpp, Ollama, vLLM ask for none
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        temperature=settings.llm_temperature,
        max_completion_tokens=settings.llm_max_tokens,
        streaming=settings.llm_streaming,
        disable_streaming=not settings.llm_streaming,
        # OpenAI-compatible servers speak Chat Completions, and most read max_tokens (ChatOpenAI sends
        # only max_completion_tokens).
        use_responses_api=False if compatible_server else None,
        extra_body={"max_tokens": settings.llm_max_tokens}
        if compatible_server and settings.llm_max_tokens else None,
    )


def classify(error: Exception) -> Failure:
    if isinstance(error, (openai.APITimeoutError, ModelTimeoutError, TimeoutError)):
        return Failure("timeout", "请求超时", persistent=True)
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        return Failure(f"HTTP {status}", f"HTTP {status}",
                        persistent=status in (401, 403, 404, 429) or status >= 500)
    if isinstance(error, (openai.APIConnectionError, ModelConnectionError, OSError)):
        return Failure("connection error", "连接出错", persistent=True)
    name = type(error).__name__
    return Failure(name, name, persistent=isinstance(error, ModelError) and error.is_retryable)
