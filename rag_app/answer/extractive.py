"""Extractive answers: the sentences, steps and warnings of the passages that answer the question.

Used without an LLM, and whenever the LLM fails: every quoted line carries the [n] of its passage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from langchain_core.documents import Document

from ingest.text import ENDS_SENTENCE, HAN, SENTENCE_SPLIT, Language, Tokenizer
from rag_app.answer.prompts import QUOTE_LABEL

EXTRACTIVE_PASSAGES = 3
MIN_SENTENCES = 2
MAX_SENTENCES = 5
MAX_QUOTE_CHARS = 600
MAX_EXTRA_WARNINGS = 2
MIN_RELATIVE_SCORE = 0.5  # a block scoring less than this share of the best one is off topic

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
_WRAP_MIN_CHARS = 30  # a shorter line without final punctuation is a heading, not a wrapped sentence
_ZH_NUMERALS = "一二三四五六七八九十"


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




def quote(question: str, passages: Sequence[Document], language: Language, tokenize: Tokenizer) -> str:
    """The most relevant sentences of the top passages, each with its [n], under a label."""
    units = _passage_units(passages[:EXTRACTIVE_PASSAGES], tokenize)
    chosen = _select(question, units, tokenize)
    cited = {unit.passage for unit in chosen}
    warnings = [u for u in units if u.warning and u.passage in cited and u not in chosen][:MAX_EXTRA_WARNINGS]
    lines = [QUOTE_LABEL[language]]
    for unit in sorted(chosen + warnings, key=lambda u: (u.passage, u.position)):
        joint = "" if unit.text[-1] in "。！？；：）】”" else " "
        lines.append(f"- {unit.text}{joint}[{unit.passage + 1}]")
    return "\n".join(lines)


def _passage_units(passages: Sequence[Document], tokenize: Tokenizer) -> list[_Unit]:
    """Sentences and steps of the passages in reading order, minus headings and repeats (chunk overlap)."""
    units: list[_Unit] = []
    seen: set[str] = set()
    for rank, doc in enumerate(passages):
        pieces = [p.strip() for line in _lines(doc.page_content) for p in SENTENCE_SPLIT.split(line)]
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
            units.append(_Unit(text, rank, position, tokenize.terms(text), step, warning))
    return units


def _lines(text: str) -> list[str]:
    """Lines with hard-wrapped sentences joined back; step and bullet lines stay apart, headings go."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if _MARKDOWN_HEADING.match(line):
            continue
        previous = lines[-1] if lines else ""
        if (line and previous and len(previous) >= _WRAP_MIN_CHARS and not ENDS_SENTENCE.search(previous)
                and not _STEP.match(line) and not _BULLET.match(line)):
            glue = "" if HAN.match(line) and HAN.match(previous[-1]) else " "
            lines[-1] = previous + glue + line
        elif line:
            lines.append(line)
    return lines


def _is_heading(text: str) -> bool:
    return len(text) < _WRAP_MIN_CHARS and not ENDS_SENTENCE.search(text)


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


def _select(question: str, units: list[_Unit], tokenize: Tokenizer) -> list[_Unit]:
    """2-5 best units within the character budget; a numbered procedure is kept together."""
    wanted = tokenize.terms(question)
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

