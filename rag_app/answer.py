"""Grounded answers over retrieved guide passages, with numbered citations, in Chinese or English.

With a chat model the answer is written by the LLM from the numbered passages only. Without one, or
whenever it fails (even mid-stream), the user gets the most relevant sentences of the passages, cited
the same way, plus a one-line notice: never a stack trace.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import jieba
import openai
import Stemmer
from langchain_core.documents import Document
from langchain_core.exceptions import ModelConnectionError, ModelError, ModelTimeoutError
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from rag_app.settings import Settings

Language = Literal["zh", "en"]
Mode = Literal["llm", "extractive"]

log = logging.getLogger(__name__)

# The first sentence is what the LLM is told to reply with, and what marks its reply as a refusal.
REFUSAL_SENTENCE: dict[Language, str] = {
    "zh": "根据现有资料无法回答这个问题。",
    "en": "The guides don't cover this.",
}
_REFUSAL_HINT: dict[Language, str] = {
    "zh": "已收录的指南中没有与此相关的内容；可以换个说法，或询问指南涵盖的产品与保养话题。",
    "en": "None of the indexed guides holds anything relevant to this question; try rephrasing it, "
          "or ask about a product or care topic they cover.",
}
_QUOTE_LABEL: dict[Language, str] = {"zh": "以下内容摘自指南：", "en": "Quoted from the guides:"}
_NOTICE: dict[Language, str] = {
    "zh": "语言模型暂不可用（{reason}），以下为指南中最相关的原文。",
    "en": "The language model is unavailable ({reason}); showing the most relevant passages instead.",
}
_LANGUAGE_NAME: dict[Language, str] = {"zh": "Simplified Chinese (简体中文)", "en": "English"}

_SYSTEM_PROMPT = """Answer the question using only the numbered passages. Answer in {language}. Be brief.
After each sentence, write the number of the passage it comes from in brackets, like [1].
If a passage you use has a safety warning (WARNING, CAUTION, DANGER, 警告, 注意, 危险), copy the warning.
If the passages do not answer the question, reply only: {refusal}"""

_CONDENSE_PROMPT = (
    "Rewrite the user's follow-up question as one standalone question that can be understood without "
    "the conversation. Keep the language of the follow-up question. Reply with the question only."
)

HISTORY_IN_PROMPT = 4  # messages of earlier conversation given to the answering LLM
HISTORY_TO_CONDENSE = 6  # messages given to the rewriting LLM
HISTORY_MESSAGE_CHARS = 300
MAX_CONDENSED_CHARS = 400

EXTRACTIVE_PASSAGES = 3
MIN_SENTENCES = 2
MAX_SENTENCES = 5
MAX_QUOTE_CHARS = 600
MAX_EXTRA_WARNINGS = 2
MIN_RELATIVE_SCORE = 0.5  # a block scoring less than this share of the best one is off topic

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_CITATION = re.compile(r"\[(\d{1,3})\]")

# Sentence boundaries: after CJK or strong punctuation; after a period that does not end a step number
# ("1.") when a new sentence follows; and before a step marker inside a line.
_SENTENCE_SPLIT = re.compile(
    r"(?<=[。！？；!?])\s*"
    r"|(?<=[^\s\d]\.)\s+(?=[A-Z0-9\"“‘(\[\u4e00-\u9fff])"
    r"|\s+(?=\d{1,2}[.)]\s)"
    r"|(?=（\d{1,2}）|[①-⑳]|第[一二三四五六七八九十\d]+步)"
)
_STEP = re.compile(
    r"^(?:(?i:step)\s*(\d{1,2})\b|(\d{1,2})\s*[.)、．](?!\d)|[（(](\d{1,2})[）)]|第([一二三四五六七八九十\d]+)步|([①-⑳]))"
)
_BULLET = re.compile(r"^[-•*·▪●◦]\s+")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s")
_WARNING = re.compile(
    r"\b(?:WARNING|CAUTION|DANGER)\b|^(?i:warning|caution|danger)\b|警告|危险|^[【\[]?注意[】\]]?\s*[:：!！]"
)
_LABEL_ONLY = re.compile(
    r"^[【\[]?(?i:warning|caution|danger|note|important|注意|警告|危险|小心|重要)[】\]]?\s*[:：!！]?$"
)
_SENTENCE_END = re.compile(r"[。！？；!?.:：;]$")
_WRAP_MIN_CHARS = 30  # a shorter line without final punctuation is a heading, not a wrapped sentence

_FOLLOW_UP = re.compile(
    r"^(?i:and|or|what about|how about|also|then|so)\b|^(?:那|那么|还有|另外|以及|或者)|呢[？?。]?$"
)
_PRONOUN = re.compile(r"\b(?i:it|its|they|them|this|that|these|those|one)\b|它|这个|那个|这些|那些|其")
_CONDENSE_LABEL = re.compile(r"^(?i:standalone question|rewritten question|question|独立问题|问题)\s*[:：]\s*")

_EN_STOP = frozenset({
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "being", "but", "by", "can", "could", "did", "do", "does", "doing", "during", "each",
    "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my",
    "of", "on", "or", "our", "should", "so", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "to", "too", "us", "was", "we", "were", "what", "when", "where",
    "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your"
})
_ZH_STOP = frozenset({
    "的", "了", "吗", "呢", "吧", "啊", "呀", "么", "是", "在", "和", "与", "及", "或", "我", "你", "您", "他", "她", "它",
    "我们", "这", "那", "这个", "那个", "这些", "那些", "要", "会", "能", "把", "被", "对", "为", "就", "都", "也", "还", "又",
    "个", "些", "请", "该", "得", "地", "着", "过", "怎么", "怎样", "怎么样", "如何", "什么", "为什么", "哪", "哪些", "哪个", "多少",
    "是否", "可以", "能否", "应该", "需要", "一下", "有", "没有"
})
_ZH_NUMERALS = "一二三四五六七八九十"


@dataclass
class Answer:
    """What the user sees: the text, whether it is a refusal, how it was made, and what [n] refers to."""

    text: str
    refused: bool
    mode: Mode
    sources: list[Document]
    notice: str | None = None


@dataclass(frozen=True)
class _Failure:
    """Why the LLM could not answer, in both languages; persistent ones pause it for a while."""

    en: str
    zh: str
    persistent: bool


@dataclass
class _Unit:
    """A sentence (or a numbered step) of a passage, with what the extractive scorer needs."""

    text: str
    passage: int
    position: int
    terms: frozenset[str]
    step: int | None
    warning: bool
    score: float = 0.0


def detect_language(text: str) -> Language:
    """Chinese when Han characters weigh at least as much as Latin words (about two characters a word).

    So "如何清洁 HEPA filter" is Chinese, "How do I clean the 滤网?" is English.
    """
    han = len(_HAN.findall(text))
    return "zh" if han and han / 2 >= len(_LATIN_WORD.findall(text)) else "en"


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


class Answerer:
    """Answers questions over retrieved passages; falls back to quotes whenever the LLM is absent or fails."""

    def __init__(self, settings: Settings, chat_model: BaseChatModel | None) -> None:
        self._settings = settings
        self._model = chat_model
        self._paused_until = 0.0
        self._pause_failure: _Failure | None = None

    @property
    def mode(self) -> Mode:
        return "llm" if self._model is not None else "extractive"

    def condense(self, question: str, history: Sequence[dict[str, str]]) -> str:
        """A follow-up rewritten as a standalone question, so retrieval sees its topic."""
        if not history:
            return question
        model = self._available_model()
        if model is None:
            return _prepend_topic(question, history)
        try:
            reply = model.invoke(_condense_messages(question, history)).text
        except Exception as error:  # noqa: BLE001 - any LLM failure: the heuristic still gives the topic
            self._record_failure(error)
            return _prepend_topic(question, history)
        return _clean_condensed(reply) or _prepend_topic(question, history)

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
            text = _refusal_message(language)
            yield text
            yield Answer(text=text, refused=True, mode=self.mode, sources=[])
            return
        model = self._available_model()
        if model is None:
            fallback = _extractive_answer(question, passages, language, self._notice(language))
            yield fallback.text
            yield fallback
            return

        deltas: list[str] = []
        failure: _Failure | None = None
        chunks = model.stream(_answer_messages(question, passages, history or [], language))
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
            failure = _Failure("empty reply", "回复为空", persistent=False)
        if failure is not None:
            fallback = _extractive_answer(question, passages, language, _notice(language, failure))
            if not deltas:
                yield fallback.text
            yield fallback
            return
        yield _llm_answer(text, passages, language)

    def _available_model(self) -> BaseChatModel | None:
        """The model, unless it failed persistently a moment ago (do not make every user wait for it)."""
        if self._model is None or time.monotonic() < self._paused_until:
            return None
        return self._model

    def _notice(self, language: Language) -> str | None:
        """The notice while the LLM is paused; none in extractive mode."""
        if self._model is None or self._pause_failure is None:
            return None
        return _notice(language, self._pause_failure)

    def _record_failure(self, error: Exception) -> _Failure:
        failure = _classify(error)
        log.warning("LLM call failed (%s): %r", failure.en, error)
        if failure.persistent:
            self._paused_until = time.monotonic() + self._settings.llm_retry_after_s
            self._pause_failure = failure
        return failure


def _classify(error: Exception) -> _Failure:
    if isinstance(error, (openai.APITimeoutError, ModelTimeoutError, TimeoutError)):
        return _Failure("timeout", "请求超时", persistent=True)
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        return _Failure(f"HTTP {status}", f"HTTP {status}",
                        persistent=status in (401, 403, 404, 429) or status >= 500)
    if isinstance(error, (openai.APIConnectionError, ModelConnectionError, OSError)):
        return _Failure("connection error", "连接出错", persistent=True)
    name = type(error).__name__
    return _Failure(name, name, persistent=isinstance(error, ModelError) and error.is_retryable)


def _refusal_message(language: Language) -> str:
    return REFUSAL_SENTENCE[language] + ("" if language == "zh" else " ") + _REFUSAL_HINT[language]


def _notice(language: Language, failure: _Failure) -> str:
    return _NOTICE[language].format(reason=failure.zh if language == "zh" else failure.en)


# --- LLM mode ---------------------------------------------------------------------------------------


def _answer_messages(question: str, passages: Sequence[Document], history: Sequence[dict[str, str]],
                     language: Language) -> list[BaseMessage]:
    system = _SYSTEM_PROMPT.format(language=_LANGUAGE_NAME[language], refusal=REFUSAL_SENTENCE[language])
    blocks = [f"[{n}] {_passage_label(doc)}\n{doc.page_content.strip()}" for n, doc in enumerate(passages, 1)]
    user = "Passages:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}"
    # Earlier answers cite other passages under the same numbers: drop their citations.
    earlier = [_history_message(m["role"], _CITATION.sub("", m["content"]))
               for m in history[-HISTORY_IN_PROMPT:] if m.get("role") in ("user", "assistant")]
    return [SystemMessage(system), *earlier, HumanMessage(user)]


def _passage_label(doc: Document) -> str:
    meta = doc.metadata
    parts = [f"guide: {meta.get('source', '?')}"]
    if meta.get("section"):
        parts.append(f"section: {meta['section']}")
    if meta.get("page") is not None:
        parts.append(f"page {meta['page']}")
    return " | ".join(parts)


def _history_message(role: str, content: str) -> BaseMessage:
    content = content.strip()[:HISTORY_MESSAGE_CHARS]
    return HumanMessage(content) if role == "user" else AIMessage(content)


def _llm_answer(text: str, passages: Sequence[Document], language: Language) -> Answer:
    """The LLM's text, minus citations of missing passages; a refusal becomes the full refusal message."""
    text = _CITATION.sub(lambda m: m[0] if 1 <= int(m[1]) <= len(passages) else "", text).strip()
    if not _CITATION.search(text) and _is_refusal(text):
        return Answer(text=_refusal_message(language), refused=True, mode="llm", sources=[])
    return Answer(text=text, refused=False, mode="llm", sources=list(passages))


def _is_refusal(text: str) -> bool:
    squashed = re.sub(r"\s+", "", text.lower().replace("’", "'"))
    return any(re.sub(r"\s+", "", s.lower()).rstrip("。.") in squashed for s in REFUSAL_SENTENCE.values())


def _condense_messages(question: str, history: Sequence[dict[str, str]]) -> list[BaseMessage]:
    turns = [f"{m['role'].capitalize()}: {_CITATION.sub('', m['content']).strip()[:HISTORY_MESSAGE_CHARS]}"
             for m in history[-HISTORY_TO_CONDENSE:] if m.get("role") in ("user", "assistant")]
    user = "Conversation:\n" + "\n".join(turns) + f"\n\nFollow-up question: {question}"
    return [SystemMessage(_CONDENSE_PROMPT), HumanMessage(user)]


def _clean_condensed(reply: str) -> str:
    """The rewritten question out of the reply (first line, no label, no quotes), or "" when it is none.

    Small models often answer instead of rewriting: anything but a question is discarded.
    """
    line = next((line.strip() for line in reply.splitlines() if line.strip()), "")
    line = _CONDENSE_LABEL.sub("", line).strip().strip("\"'“”「」")
    return line if line.endswith(("?", "？")) and len(line) <= MAX_CONDENSED_CHARS else ""


def _prepend_topic(question: str, history: Sequence[dict[str, str]]) -> str:
    """Cheap condensing: an elliptical follow-up gets the last self-contained user question in front."""
    if not _is_elliptical(question):
        return question
    asked = [m["content"].strip() for m in history if m.get("role") == "user" and m.get("content", "").strip()]
    if not asked:
        return question
    topic = next((q for q in reversed(asked) if not _is_elliptical(q)), asked[-1])
    return f"{topic} {question.strip()}"


def _is_elliptical(question: str) -> bool:
    question = question.strip()
    size = len(_HAN.findall(question)) / 2 + len(_LATIN_WORD.findall(question))
    return bool(_FOLLOW_UP.search(question)) or size <= 3 or (size <= 8 and bool(_PRONOUN.search(question)))


# --- Extractive mode --------------------------------------------------------------------------------


def _extractive_answer(question: str, passages: Sequence[Document], language: Language,
                       notice: str | None) -> Answer:
    """The most relevant sentences of the top passages, each with its [n], under a label."""
    units = _passage_units(passages[:EXTRACTIVE_PASSAGES])
    chosen = _select(question, units)
    cited = {unit.passage for unit in chosen}
    warnings = [u for u in units if u.warning and u.passage in cited and u not in chosen][:MAX_EXTRA_WARNINGS]
    lines = [_QUOTE_LABEL[language]]
    for unit in sorted(chosen + warnings, key=lambda u: (u.passage, u.position)):
        joint = "" if unit.text[-1] in "。！？；：）】”" else " "
        lines.append(f"- {unit.text}{joint}[{unit.passage + 1}]")
    return Answer(text="\n".join(lines), refused=False, mode="extractive", sources=list(passages),
                  notice=notice)


def _passage_units(passages: Sequence[Document]) -> list[_Unit]:
    """Sentences and steps of the passages in reading order, minus headings and repeats (chunk overlap)."""
    units: list[_Unit] = []
    seen: set[str] = set()
    for rank, doc in enumerate(passages):
        pieces = [p.strip() for line in _lines(doc.page_content) for p in _SENTENCE_SPLIT.split(line)]
        merged: list[str] = []
        for piece in filter(None, pieces):
            piece = _BULLET.sub("", piece)
            if merged and _LABEL_ONLY.match(merged[-1]):  # "WARNING" alone: it belongs to what follows
                merged[-1] = f"{merged[-1]} {piece}"
            else:
                merged.append(piece)
        for position, text in enumerate(merged):
            key = re.sub(r"\W+", "", text.lower())
            step = _step_number(text)
            warning = bool(_WARNING.search(text))
            if key in seen or (step is None and not warning and _is_heading(text)):
                continue
            seen.add(key)
            units.append(_Unit(text, rank, position, _terms(text), step, warning))
    return units


def _lines(text: str) -> list[str]:
    """Lines with hard-wrapped sentences joined back; step and bullet lines stay apart, headings go."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if _MARKDOWN_HEADING.match(line):
            continue
        previous = lines[-1] if lines else ""
        if (line and previous and len(previous) >= _WRAP_MIN_CHARS and not _SENTENCE_END.search(previous)
                and not _STEP.match(line) and not _BULLET.match(line)):
            glue = "" if _HAN.match(line) and _HAN.match(previous[-1]) else " "
            lines[-1] = previous + glue + line
        elif line:
            lines.append(line)
    return lines


def _is_heading(text: str) -> bool:
    return len(text) < _WRAP_MIN_CHARS and not _SENTENCE_END.search(text)


def _step_number(text: str) -> int | None:
    match = _STEP.match(text)
    if match is None:
        return None
    number = next(group for group in match.groups() if group)
    if number.isdigit():
        return int(number)
    if number in _ZH_NUMERALS:
        return _ZH_NUMERALS.index(number) + 1
    if "①" <= number <= "⑳":
        return ord(number) - ord("①") + 1
    return None


def _terms(text: str) -> frozenset[str]:
    """Content terms: jieba words for Han text, stemmed lower-case words minus stop words for Latin."""
    han: set[str] = set()
    latin: list[str] = []
    for token in jieba.lcut_for_search(text.lower()):
        if _HAN.search(token):
            if token not in _ZH_STOP:
                han.add(token)
        elif len(token) > 1 and token.isalnum() and token not in _EN_STOP:
            latin.append(token)
    # A Stemmer is not thread-safe; building one is cheap.
    return frozenset(han) | frozenset(Stemmer.Stemmer("english").stemWords(latin))


def _select(question: str, units: list[_Unit]) -> list[_Unit]:
    """2-5 best units within the character budget; a numbered procedure is kept together."""
    wanted = _terms(question)
    df: dict[str, int] = {}
    for unit in units:
        for term in unit.terms & wanted:
            df[term] = df.get(term, 0) + 1
    for unit in units:
        overlap = sum(math.log(1 + len(units) / df[term]) for term in unit.terms & wanted)
        unit.score = overlap / (1 + 0.25 * unit.passage)
    if not any(unit.score for unit in units):
        # No shared term: the retriever still found the top passage relevant, so quote its beginning.
        for unit in units:
            unit.score = 1 / (1 + unit.position) if unit.passage == 0 else 0.0

    blocks = _blocks(units)
    top = max(map(_block_score, blocks), default=0.0)
    ranked = sorted((b for b in blocks if _block_score(b) >= MIN_RELATIVE_SCORE * top > 0), key=_block_score,
                    reverse=True)
    chosen: list[_Unit] = []
    for block in ranked:
        used = sum(len(u.text) for u in chosen)
        chosen += _fit(block, MAX_SENTENCES - len(chosen), MAX_QUOTE_CHARS - used)
        if len(chosen) >= MAX_SENTENCES:
            break
    if not chosen and ranked:  # one sentence longer than the budget
        best = max(ranked[0], key=lambda u: u.score)
        return [replace(best, text=best.text[:MAX_QUOTE_CHARS] + "…")]
    if 0 < len(chosen) < MIN_SENTENCES:
        chosen += _next_sentence(chosen[0], units, MAX_QUOTE_CHARS - len(chosen[0].text))
    return chosen


def _blocks(units: list[_Unit]) -> list[list[_Unit]]:
    """Units grouped so that consecutive numbered steps, with a line introducing them, go together."""
    blocks: list[list[_Unit]] = []
    for unit in units:
        last = blocks[-1][-1] if blocks else None
        continues = last is not None and unit.step is not None and unit.passage == last.passage and (
            (last.step is not None and unit.step == last.step + 1)
            or (unit.step == 1 and last.step is None and last.text.endswith((":", "：")))
        )
        if continues:
            blocks[-1].append(unit)
        else:
            blocks.append([unit])
    return blocks


def _block_score(block: list[_Unit]) -> float:
    scores = [unit.score for unit in block]
    return max(scores) + 0.5 * (sum(scores) - max(scores))  # a procedure on topic throughout counts more


def _fit(block: list[_Unit], room: int, budget: int) -> list[_Unit]:
    """The longest contiguous run of the block around its best unit within `room` units and `budget` chars."""
    def fits(run: list[_Unit]) -> bool:
        return len(run) <= room and sum(len(u.text) for u in run) <= budget

    best = max(range(len(block)), key=lambda i: block[i].score)
    start = 0
    while start < best and not fits(block[start:best + 1]):
        start += 1
    end = best + 1
    if not fits(block[start:end]):
        return []
    while end < len(block) and fits(block[start:end + 1]):
        end += 1
    return block[start:end]


def _next_sentence(unit: _Unit, units: list[_Unit], budget: int) -> list[_Unit]:
    """The sentence after `unit` in its passage, for context when only one sentence matched."""
    index = units.index(unit)
    following = units[index + 1] if index + 1 < len(units) else None
    if following is not None and following.passage == unit.passage and len(following.text) <= budget:
        return [following]
    return []
