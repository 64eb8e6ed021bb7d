"""Grounded answers over retrieved guide passages, with numbered citations, in Chinese or English.

With a chat model the answer is written by the LLM from the numbered passages only. Without one, or
whenever it fails (even mid-stream), the user gets the most relevant sentences of the passages, cited
the same way, plus a one-line notice: never a stack trace.

`prompts` holds what the model is told and the fixed texts, `llm` the model and its failures,
`condense` follow-ups, `extractive` the quotes.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel

from ingest.text import CITATION, Language, Tokenizer, detect_language
from rag_app.answer.condense import clean_condensed, prepend_topic
from rag_app.answer.extractive import TermWeights, quote
from rag_app.answer.llm import Failure, classify, make_chat_model
from rag_app.answer.prompts import (
    NOTICE,
    REFUSAL_PATTERNS,
    REFUSAL_SENTENCE,
    answer_messages,
    condense_messages,
    refusal_message,
)
from rag_app.products import Clarify
from rag_app.settings import Settings

__all__ = ["REFUSAL_SENTENCE", "Answer", "Answerer", "Mode", "make_chat_model"]

Mode = Literal["llm", "extractive"]

log = logging.getLogger(__name__)


@dataclass
class Answer:
    """What the user sees: the text, whether it is a refusal, how it was made, and what [n] refers to."""

    text: str
    refused: bool
    mode: Mode
    sources: list[Document]
    notice: str | None = None
    refused_by: Literal["gate", "llm"] | None = None  # the relevance gate, or the model's own reply
    clarify: Clarify | None = None  # set when the reply asks which product the question is about
    product: str | None = None  # the product the answer is about, when the knowledge base has several


class Answerer:
    """Answers questions over retrieved passages; falls back to quotes whenever the LLM is absent or fails."""

    def __init__(self, settings: Settings, chat_model: BaseChatModel | None,
                 tokenize: Tokenizer | None = None, clock: Callable[[], float] = time.monotonic,
                 term_weights: TermWeights | None = None) -> None:
        """`term_weights`: the knowledge base's IDF of a question's terms (its keys: the terms as the
        knowledge base cuts them), so that quotes weigh a word by how rare it is in the whole manual,
        not only in the few passages at hand."""
        self._settings = settings
        self._model = chat_model
        self._tokenize = tokenize or Tokenizer()
        self._term_weights = term_weights
        self._clock = clock
        self._paused_until = 0.0
        self._pause_failure: Failure | None = None

    @property
    def mode(self) -> Mode:
        return "llm" if self._model is not None else "extractive"

    def condense(self, question: str, history: Sequence[dict[str, str]]) -> str:
        """A follow-up rewritten as a standalone question, so retrieval sees its topic."""
        if not history:
            return question
        model = self._available_model()
        if model is None:
            return prepend_topic(question, history)
        try:
            reply = model.invoke(condense_messages(question, history)).text
        except Exception as error:  # noqa: BLE001 - any LLM failure: the heuristic still gives the topic
            self._record_failure(error)
            return prepend_topic(question, history)
        return clean_condensed(reply) or prepend_topic(question, history)

    def answer(self, question: str, passages: Sequence[Document],
               history: Sequence[dict[str, str]] | None = None) -> Answer:
        """The final Answer of `stream`."""
        final = None
        for item in self.stream(question, passages, history):
            final = item
        assert isinstance(final, Answer)
        return final

    def stream(self, question: str, passages: Sequence[Document],
               history: Sequence[dict[str, str]] | None = None) -> Iterator[str | Answer]:
        """Text deltas as they arrive, then the final Answer.

        The Answer's text is what to keep: it replaces the deltas when the LLM failed mid-stream (the
        quotes come instead) or refused, and drops citations of passages that do not exist.
        """
        language = detect_language(question)
        if not passages:
            text = refusal_message(language)
            yield text
            yield Answer(text=text, refused=True, mode=self.mode, sources=[], refused_by="gate")
            return
        model = self._available_model()
        if model is None:
            fallback = self._quote(question, passages, language, self._notice(language))
            yield fallback.text
            yield fallback
            return

        deltas: list[str] = []
        failure: Failure | None = None
        chunks = model.stream(answer_messages(question, passages, history or [], language))
        while True:
            try:
                chunk = next(chunks, None)
            except Exception as error:  # noqa: BLE001 - any LLM failure, even mid-stream: quote instead
                failure = self._record_failure(error)
                break
            if chunk is None:
                break
            if delta := chunk.text:
                deltas.append(delta)
                yield delta

        text = "".join(deltas).strip()
        if failure is None and not text:
            failure = Failure("empty reply", "回复为空", persistent=False)
        if failure is not None:
            fallback = self._quote(question, passages, language, _notice(language, failure))
            if not deltas:
                yield fallback.text
            yield fallback
            return
        yield _llm_answer(text, passages, language)

    def _quote(self, question: str, passages: Sequence[Document], language: Language,
               notice: str | None) -> Answer:
        corpus = self._term_weights
        weights = corpus(question) if corpus is not None else None
        terms = (lambda text: frozenset(corpus(text))) if corpus is not None else None
        return Answer(text=quote(question, passages, language, self._tokenize, weights, terms), refused=False,
                      mode="extractive", sources=list(passages), notice=notice)

    def _available_model(self) -> BaseChatModel | None:
        """The model, unless it failed persistently a moment ago (do not make every user wait for it)."""
        if self._model is None or self._clock() < self._paused_until:
            return None
        return self._model

    def _notice(self, language: Language) -> str | None:
        """The notice while the LLM is paused; none in extractive mode."""
        if self._model is None or self._pause_failure is None:
            return None
        return _notice(language, self._pause_failure)

    def _record_failure(self, error: Exception) -> Failure:
        failure = classify(error)
        log.warning("LLM call failed (%s): %r", failure.en, error)
        if failure.persistent:
            self._paused_until = self._clock() + self._settings.llm_retry_after_s
            self._pause_failure = failure
        return failure


def _notice(language: Language, failure: Failure) -> str:
    return NOTICE[language].format(reason=failure.zh if language == "zh" else failure.en)


def _llm_answer(text: str, passages: Sequence[Document], language: Language) -> Answer:
    """The LLM's text, minus citations of missing passages; a refusal becomes the full refusal message."""
    text = CITATION.sub(lambda m: m[0] if 1 <= int(m[1]) <= len(passages) else "", text).strip()
    if not CITATION.search(text) and _is_refusal(text):
        return Answer(text=refusal_message(language), refused=True, mode="llm", sources=[], refused_by="llm")
    return Answer(text=text, refused=False, mode="llm", sources=list(passages))


def _is_refusal(text: str) -> bool:
    """The model's "not in the passages" reply, in the words we asked for or its own (zh or en)."""
    squashed = re.sub(r"\s+", "", text.lower().replace("’", "'"))
    if any(re.sub(r"\s+", "", s.lower()).rstrip("。.") in squashed for s in REFUSAL_SENTENCE.values()):
        return True
    return any(p.search(text) for p in REFUSAL_PATTERNS)
