"""Extractive answers: what of the passages answers the question, quoted.

Used without an LLM, and whenever the LLM fails. A passage is read as blocks, the units a manual
answers in: a numbered procedure, a list or table, a paragraph, each with the safety warnings that
belong to it. Every line is scored against the question (its words weighed by how well they tell
the lines apart and how rare they are in the knowledge base; the product's name not counted). The
best block is then quoted as the question asks (`question_kind`):
- asked how: a procedure whole from its first step with its warnings (and the paragraph leading into
  it where both fit), a paragraph whole;
- asked for a value ("how long", "多少"): the steps or sentences holding it, the one stating a
  quantity (of the kind asked, where the question says: a frequency for "how often") first, and asked
  only that, only those stating it ("要烘多久": the step saying "2~3 小时", not the ones naming the dryer); a list or
  table: the rows named by each thing asked, under their header where it says more than the row ("Every
  3 to 6 months" means what "Replace" says; "Item | Value" says nothing), and a row's first cell names
  it: "Run time" for "how long does it run"; asked in the other language, where no row shares a word,
  the rows stating the kind of quantity asked: kg for "weigh", Pa for "吸力", mAh for a battery's
  "容量", m² for a room's size);
- asked yes or no, what or why: a paragraph from the sentence that answers its last clause to the
  paragraph's end (from its start where its section's title names what is asked: "what are Bixby Routines
  for"), the warning alone where a warning says it, or the step that says it with its procedure's warnings
  (where only a warning of a procedure says it, that warning first, then the procedure: what to do instead).
A second block joins only when it matches almost as well and fits. Every quoted line carries the [n]
of its passage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from langchain_core.documents import Document

from ingest.clean import is_callout_label, starts_with_callout
from ingest.text import (
    ASKED_QUANTITY,
    CHINESE_STOP_WORDS,
    ENDS_SENTENCE,
    HAN,
    STEP_MARKER,
    Language,
    QuestionKind,
    Tokenizer,
    asks_yes_no,
    drop_page_numbers,
    is_bullet_line,
    is_identifier,
    is_option_item,
    is_page_number,
    is_table_row,
    question_kind,
    split_sentences,
    step_number,
    strip_bullet,
    text_size,
)
from rag_app.answer.prompts import QUOTE_LABEL
from rag_app.products import ALIAS_SEPARATOR, PRODUCT_KEYS, lists_code, message_pattern, quoted_messages

EXTRACTIVE_PASSAGES = 3
MAX_QUOTE_SIZE = 110  # words (a Han character counts half): what one answer quotes at most
RANK_DECAY = 0.5  # a block of the n-th passage counts 1 / (1 + RANK_DECAY * n): the first holds the answer most often
SECOND_BLOCK_SHARE = 0.8  # a second block must score this share of the best one
IDENTIFIER_WEIGHT = 3.0  # an error code or model number asked about outweighs the words around it
CODE_ROW_WEIGHT = 2.0  # a table row holding the code asked about outweighs prose that mentions it
UNSTATED_SHARE = 0.5  # asked for a kind of quantity, a block stating none of it where it matches counts this share
ROW_SHARE = 0.5  # rows of a list or table scoring this share of the best row are quoted with it
CHARACTER_WEIGHT = 0.5  # a Chinese word matched only by a character of it ("血迹" in "血渍"): half its weight
_WRAP_MIN_CHARS = 30  # a shorter line without final punctuation is a heading, not a wrapped sentence

NUMBER = "#"  # the term of a line stating a quantity (no tokenizer term contains "#")
_CHARACTER = "~"  # the mark of a character term
_DIGIT = re.compile(r"\d")
_UNIT_IN_HEADER = re.compile(r"[(（\[［]")
_ASKS = re.compile(r"[?？!！。;；]+|(?<=[a-z])\.\s+")  # where one thing a question asks ends
_CLAUSE = re.compile(r"[?？!！。;；,，]+|(?<=[a-z])\.\s+")
# the words asking something: "how long, and on what setting?", "在哪？多久清理一次？" and "保修几年 滤网保不保"
# ask two things
_ASKING = re.compile(r"(?i)\b(?:how|what|where|when|which|why)\b|什么|多少|哪|怎|(?<!了)几|多久|多长|多大|多高|多重|吗|"
                     r"([\u4e00-\u9fff])不\1")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s")
# The kind of quantity a question asks for, and how a row states one: asked "how heavy" in English of a
# Chinese table, the rows in kg answer where no row shares a word with the question.
_QUANTITIES = tuple((re.compile(asked), re.compile(stated)) for asked, stated in (
    (r"(?i)\bhow\s+heavy\b|\bweigh|多重|重量|几斤", r"(?i)\d\s*(?:kg|g|lbs?|oz|克|千克|公斤|斤)(?![a-z])"),
    (r"(?i)\bcapacity\b|\bvolume\b|容量|容积", r"(?i)\d\s*(?:ml|l|litres?|liters?|毫升|升|mah|ah|k?wh)(?![a-z])"),
    (r"(?i)\btemperature\b|\bhow\s+(?:hot|cold|warm)\b|温度|多少度", r"°|℃|℉"),
    # "how often" is answered by "every 2 weeks", not "for 24 hours"; "多久换一次" by "12 个月" as well as "每 2 周"
    (r"(?i)\bhow\s+often\b",
     r"(?i)\b(?:every|once|twice|daily|weekly|monthly|yearly|annually)\b|\b(?:per|a)\s+(?:day|week|month|year)\b"),
    ((r"(?i)\bhow\s+long\b.*\b(?:run|last|take|charge)|\bhow\s+many\s+(?:years|months|weeks|days|hours|minutes)\b|"
      r"多久|多长时间|频率|(?<!了)几(?:年|个月|周|天|小时|分钟)"),
     r"(?i)\d\s*(?:seconds?|minutes?|min|hours?|h|days?|weeks?|months?|years?|秒|分钟|小时|天|周|个月|年)(?![a-z])|每"),
    (r"(?i)\b(?:floor|room|coverage)\s+(?:area|size)\b|\bsquare\s+(?:feet|foot|met(?:re|er)s?)\b|面积",
     r"(?i)\d\s*(?:m²|m2|㎡|平方米|平米|sq\.?\s?ft|square\s+(?:feet|foot|met(?:re|er)s?))"),
    (r"(?i)\bhow\s+(?:big|large|tall|wide)\b|\bsize\b|\bdimensions?\b|尺寸|多大|多高|多宽",
     r"(?i)\d\s*[×x*]\s*\d|\d\s*(?:cm|m|inch(?:es)?|in|厘米|米)(?![a-z0-9])"),
    (r"(?i)\bsuction\b|\bpressure\b|吸力|压力|气压|胎压", r"(?i)\d\s*(?:k?pa|mpa|bar|psi)(?![a-z])"),
    (r"(?i)\bwatts?\b|\bwattage\b|\bpower\s+(?:rating|consumption|output)\b|功率", r"(?i)\d\s*k?w(?![a-z])"),
    (r"(?i)\bvoltage\b|\bvolts?\b|电压", r"(?i)\d\s*v(?![a-z])"),
    (r"(?i)\bspin\s+speed\b|\brpm\b|转速", r"(?i)\d\s*(?:rpm|r/min|转/分|转每分)"),
    (r"(?i)\bnoise\b|\bhow\s+(?:loud|quiet|noisy)\b|噪音|噪声|分贝", r"(?i)\d\s*db(?![a-z])"),
))

TermWeights = Callable[[str], Mapping[str, float]]  # a question -> the IDF of its terms in the knowledge base
Kind = Literal["steps", "list", "table", "paragraph"]


@dataclass(eq=False)
class _Unit:
    """A quotable piece: a sentence, a numbered step, a list item or a table row (the same text in two
    places is two units)."""

    text: str
    terms: frozenset[str]
    header: frozenset[str] = frozenset()  # a table row's column headers
    name: frozenset[str] = frozenset()  # a table row's first cell, which names what the row states
    score: float = 0.0
    asked: list[float] = field(default_factory=list)  # the score for each thing the question asks
    words: list[frozenset[str]] = field(default_factory=list)  # the words it holds of each thing asked
    states: bool = False  # it holds question words and states a quantity (of the kind asked, where known)


@dataclass
class _Block:
    """Units that answer together, with what introduces them and the warnings that belong to them."""

    kind: Kind
    passage: int
    units: list[_Unit]
    intro: list[_Unit] = field(default_factory=list)
    warnings: list[_Unit] = field(default_factory=list)  # after it, or (`leading`) before it
    leading: list[_Unit] = field(default_factory=list)
    title: frozenset[str] = frozenset()
    titled: frozenset[str] = frozenset()  # the question's words its title holds
    score: float = 0.0

    def terms(self) -> frozenset[str]:
        return frozenset().union(self.title, *(u.terms for u in self.all_units()))

    def all_units(self) -> list[_Unit]:
        return self.leading + self.intro + self.units + self.warnings


def quote(question: str, passages: Sequence[Document], language: Language, tokenize: Tokenizer,
          corpus_weights: Mapping[str, float] | None = None,
          question_terms: Callable[[str], frozenset[str]] | None = None) -> str:
    """The best-matching block (and a close second) of the top passages, each line with its [n].

    `corpus_weights`: the IDF of the question's terms in the whole knowledge base; without them a term
    weighs by how rare it is in the passages alone. `question_terms`: the question's terms as the
    knowledge base cuts them (`KeywordIndex.query_terms`); else as the tokenizer does.
    """
    terms_of = question_terms or tokenize.terms
    blocks = [block for rank, doc in enumerate(passages[:EXTRACTIVE_PASSAGES])
              for block in _passage_blocks(rank, doc, tokenize)]
    _dedupe(blocks)
    blocks = [block for block in blocks if block.units]
    # The product's own name selects the passage, not the line: "LF-2 Pro 有多重" asks for the weight row.
    names = frozenset().union(*(tokenize.terms(str(doc.metadata.get(key) or ""))
                                for doc in passages for key in PRODUCT_KEYS))
    kind = question_kind(question)
    # "多长时间", "how often" ask for a quantity (the lines stating one are preferred): they are not its
    # subject, and the 时间 of "运行时间" answers nothing
    subject = ASKED_QUANTITY.sub(" ", question) if kind == "value" else question
    asks = [terms for part in _ASKS.split(subject) if (terms := terms_of(part) - names)]
    # "A feather pokes out, can I pull it?": the last clause says what the asker wants to know
    clauses = [terms for part in _CLAUSE.split(subject) if (terms := terms_of(part) - names)]
    lines = [QUOTE_LABEL[language]]
    wanted = terms_of(subject) - names
    # the codes asked about: "E21" by its form, "tCL" because a code table of the passages lists it
    codes = frozenset(t for t in wanted if is_identifier(t) or t.isascii() and t.isalpha()
                      and any(lists_code(doc.page_content, t) for doc in passages[:EXTRACTIVE_PASSAGES]))
    messages = [message_pattern(message) for message in quoted_messages(question)]
    quantity = _stated(question)
    counted = bool(ASKED_QUANTITY.search(question))
    yes_no = kind == "other" and asks_yes_no(question)
    asks_one = sum(1 for _ in _ASKING.finditer(question)) <= 1
    for block in _choose(wanted, [*(asks or [wanted]), *(clauses[-1:] or [wanted])], blocks, kind,
                         corpus_weights or {}, codes, messages, quantity):
        lines += [_line(unit, block.passage) for unit in _quoted(block, kind, quantity, counted, yes_no, asks_one)]
    return "\n".join(lines)


def _line(unit: _Unit, passage: int) -> str:
    joint = "" if unit.text[-1] in "。！？；：）】”" else " "
    return f"- {unit.text}{joint}[{passage + 1}]"


# --- reading a passage as blocks ---------------------------------------------------------------------


def _passage_blocks(rank: int, doc: Document, tokenize: Tokenizer) -> list[_Block]:
    """The passage's blocks in reading order. A warning belongs to the block before it, except one
    that opens a procedure, list or table ("Unplug first", then the steps): that one leads it."""
    section = str(doc.metadata.get("section") or "")
    title = tokenize.terms(section.split(" > ")[-1]) | _characters(section.split(" > ")[-1]) if section \
        else frozenset()
    blocks: list[_Block] = []
    pending: list[_Unit] = []  # warnings whose block is not known yet
    # the characters of the product's names say nothing of a line: 清屿's 清 is not the 清 of 清洗
    names = {part for key in PRODUCT_KEYS for name in str(doc.metadata.get(key) or "").split(ALIAS_SEPARATOR)
             for part in name.split() if HAN.search(part)}
    named = re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True)))) if names else None

    def unit(text: str) -> _Unit:
        unnamed = named.sub(" ", text) if named else text
        return _Unit(text, tokenize.terms(text) | _characters(unnamed) | _number(text))

    def start(block: _Block) -> None:
        if block.kind == "paragraph" and blocks:
            blocks[-1].warnings += pending
        else:
            block.leading = list(pending)
        pending.clear()
        blocks.append(block)

    def add(kind: Kind, item: _Unit) -> None:
        last = blocks[-1] if blocks else None
        if last is not None and last.kind == kind and kind != "paragraph" and not last.warnings and not pending:
            if kind == "table":  # a row means what its column headers say: "Every 3 to 6 months" is when to "Replace"
                item.header = last.units[0].terms
                item.name = tokenize.terms(item.text.strip("| ").split("|")[0])
            last.units.append(item)
            return
        intro: list[_Unit] = []
        if last is not None and last.kind == "paragraph" and not last.warnings and not pending \
                and last.units[-1].text.endswith((":", "：")):
            intro = [last.units.pop()]
        start(_Block(kind, rank, [item], intro, title=title))

    for line in _lines(doc.page_content):
        if is_table_row(line):
            add("table", unit(line))
        elif starts_with_callout(line):
            pending.append(unit(line))
        elif step_number(line) is not None:
            for piece in split_sentences(line, steps_only=True):
                add("steps", unit(piece))
        elif is_bullet_line(line):
            add("list", unit(strip_bullet(line)))
        else:
            start(_paragraph([unit(s) for s in split_sentences(line)], rank, title))
    if pending:
        if blocks:
            blocks[-1].warnings += pending
        else:
            blocks.append(_Block("paragraph", rank, pending, title=title))
    return blocks


def _paragraph(sentences: list[_Unit], rank: int, title: frozenset[str]) -> _Block:
    """A paragraph; one that lists options ("Storage location: Select ...") is a list under its lead."""
    items = [i for i, s in enumerate(sentences) if is_option_item(s.text)]
    if len(items) >= 2:
        return _Block("list", rank, sentences[items[0]:], sentences[:items[0]], title=title)
    return _Block("paragraph", rank, sentences, title=title)


def _lines(text: str) -> list[str]:
    """Lines with hard-wrapped sentences joined back; headings, page numbers and bare labels handled."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = drop_page_numbers(raw)
        if not line or _MARKDOWN_HEADING.match(line) or is_page_number(line):
            continue
        previous = lines[-1] if lines else ""
        if previous and is_callout_label(previous):  # "WARNING" alone belongs to what follows
            lines[-1] = f"{previous} {line}"
        elif (previous and len(previous) >= _WRAP_MIN_CHARS and not ENDS_SENTENCE.search(previous)
              and not is_table_row(previous) and not is_table_row(line)
              and step_number(line) is None and not is_bullet_line(line)):
            glue = "" if HAN.match(line) and HAN.match(previous[-1]) else " "
            lines[-1] = previous + glue + line
        elif _is_heading(line):
            continue
        else:
            lines.append(line)
    return lines


def _is_heading(text: str) -> bool:
    return (len(text) < _WRAP_MIN_CHARS and not ENDS_SENTENCE.search(text) and step_number(text) is None
            and not is_bullet_line(text) and not is_table_row(text) and not is_callout_label(text))


def _dedupe(blocks: list[_Block]) -> None:
    """Drop units seen earlier (chunk overlap, paragraphs a manual repeats). A procedure keeps a step that
    another one has too ("1. 关机并拔下电源插头"): it is dropped only when it repeats whole."""
    seen: set[str] = set()
    for block in blocks:
        keys = [_key(unit) for unit in block.all_units()]
        if block.kind == "steps" and not set(keys) <= seen:
            seen.update(keys)
            continue
        for group in (block.leading, block.intro, block.units, block.warnings):
            kept = []
            for unit in group:
                if _key(unit) not in seen:
                    seen.add(_key(unit))
                    kept.append(unit)
            group[:] = kept


def _key(unit: _Unit) -> str:
    return re.sub(r"\W+", "", unit.text.lower())


# --- choosing and quoting ----------------------------------------------------------------------------


def _number(text: str) -> frozenset[str]:
    """NUMBER where a sentence states a quantity: what a question asking "how long", "多少" wants (a
    table's rows all do: there the row's name tells them apart; a step's number is none)."""
    stated = STEP_MARKER.sub("", text, count=1)
    return frozenset([NUMBER]) if _DIGIT.search(stated) and not is_table_row(text) else frozenset()


def _characters(text: str) -> frozenset[str]:
    """The Han characters of `text` that carry meaning, as terms of their own, marked apart from words
    (the word 收 is not every 收纳)."""
    return frozenset(_CHARACTER + c for c in HAN.findall(text.lower()) if c not in CHINESE_STOP_WORDS)


def _words(wanted: frozenset[str]) -> dict[str, list[str]]:
    """The question's terms grouped by word: jieba's search mode also yields the parts of a compound
    (净化器 -> 净化, 化器), which must not count the word several times. A Chinese word's characters are
    its last resort, for a word no unit holds: manuals and users often write the same thing with different
    words (血迹, 血渍)."""
    whole = [t for t in wanted if not any(t != other and t in other for other in wanted)]
    return {word: [t for t in wanted if t in word] + sorted(_characters(word)) for word in whole}


def _match(terms: frozenset[str], weights: Iterable[dict[str, float]]) -> float:
    """How much of the question `terms` hold: per question word, its best-weighted part that is there."""
    return sum(max((w for t, w in parts.items() if t in terms), default=0.0) for parts in weights)


def _held(terms: frozenset[str], weights: Mapping[str, dict[str, float]]) -> frozenset[str]:
    """The question's words `terms` hold a part of."""
    return frozenset(word for word, parts in weights.items() if any(part in terms for part in parts))


def _choose(wanted: frozenset[str], asks: list[frozenset[str]], blocks: list[_Block], kind: QuestionKind,
            corpus_weights: Mapping[str, float], codes: frozenset[str], messages: Sequence[re.Pattern[str]],
            quantity: re.Pattern[str] | None) -> list[_Block]:
    """The best block, and a second one when it scores nearly as well and the budget allows.

    A procedure a paragraph leads into joins it unless the question asks for one value. Each unit is
    also scored for each of the `asks` (the question's parts: "多少？...多重？" asks two things; the last
    is its last clause).
    """
    if not blocks:
        return []
    units = [u for b in blocks for u in b.all_units()]
    # a section's title counts as one of its lines: "机门打不开" is matched as the word its title holds
    titles = [_Unit("", b.title) for b in blocks if b.title]
    weights = _weights(_words(wanted), units + titles, corpus_weights, codes)
    # the lines stating a quantity answer "how long", "多少": those of the kind asked where it is known
    # ("Every 3 to 6 months" answers how often, "shorter than 3 cm" does not)
    bonus = sum(max(w.values(), default=0.0) for w in weights.values()) / len(weights) \
        if kind == "value" and weights else 0.0
    for unit in units:
        held = _held(unit.terms, weights)
        unit.words = [held & ask for ask in asks]
        unit.states = bool(held) and bool(quantity.search(unit.text) if quantity else NUMBER in unit.terms)
        unit.score = _match(unit.terms | unit.header, weights.values()) + _match(unit.name, weights.values())
        unit.score += bonus if unit.states else 0.0
    for block in blocks:
        covered = _match(block.terms(), weights.values())
        # a section's title says what it answers: "Take a screenshot" matches as well as its best line, and the
        # words it shares with the question count once more ("AR Emoji" answers "make a cartoon emoji" before
        # "Face recognition" with its "looks like"); a title's lone Chinese characters say too little for that
        whole = frozenset(t for t in block.title if not t.startswith(_CHARACTER))
        titled = _match(whole, weights.values())
        block.titled = _held(whole, weights)
        best = max([_match(block.title, weights.values())] + [u.score for u in block.all_units()])
        block.score = (covered + best + titled) / (1 + RANK_DECAY * block.passage)
    # asked for a kind of quantity, a block that states none of it where it matches does not answer: "how
    # often to replace the side brush" is the schedule's "Every 3 to 6 months", not "shorter than 3 cm"
    if quantity and kind == "value":
        answering = [any(u.states for u in b.all_units()) for b in blocks]
        if any(answering):
            for block, answers in zip(blocks, answering):
                block.score *= 1.0 if answers else UNSTATED_SHARE
    # "E21 是什么意思": the code table's row says, a sentence that mentions the code in passing does not; so
    # does the row of a message the question quotes ("shows \"Base not connected\"")
    for block in blocks:
        if kind != "how" and block.kind == "table" and any(
                codes & u.terms or any(m.search(u.text) for m in messages) for u in block.units):
            block.score *= CODE_ROW_WEIGHT
    for unit in units:
        unit.asked = [_match(unit.terms, [w for word, w in weights.items() if word in ask]) for ask in asks]
        unit.asked = [score + bonus if score > 0 and unit.states else score for score in unit.asked]
    ranked = sorted(blocks, key=lambda b: b.score, reverse=True)
    if ranked[0].score == 0:  # no shared term: the retriever still found the top passage relevant,
        # unless only another block states the kind of quantity asked for ("what size ... packed", "收纳尺寸")
        ranked = sorted(blocks, key=lambda b: not (quantity and any(quantity.search(u.text) for u in b.units)))
    chosen = [ranked[0]]
    room = MAX_QUOTE_SIZE - _size(ranked[0].all_units())
    follower = _following(ranked[0], blocks) if kind != "value" else None
    if follower is not None and _size(follower.all_units()) <= room:  # the lead-in and its procedure
        return [ranked[0], follower]
    if follower is not None and kind == "how":  # no room for both: asked how, the procedure answers
        return [follower]
    for block in ranked[1:]:
        if block.score < SECOND_BLOCK_SHARE * ranked[0].score or block.score == 0:
            break
        if block.passage == ranked[0].passage and _size(block.all_units()) <= room:
            chosen.append(block)
            break
    return sorted(chosen, key=lambda b: (b.passage, blocks.index(b)))


def _weights(words: dict[str, list[str]], units: list[_Unit], corpus_weights: Mapping[str, float],
             codes: frozenset[str]) -> dict[str, dict[str, float]]:
    """Per question word, the weight of each of its parts that the units hold: how well it tells the
    units apart, and (where the knowledge base's IDF is known) how rare it is in the whole manual, so
    that a word every page uses ("see", "phone") weighs little however rarely these passages use it."""
    weights = {}
    for word, parts in words.items():
        weighed = {}
        if any(part in u.terms for u in units for part in parts if not part.startswith(_CHARACTER)):
            parts = [part for part in parts if not part.startswith(_CHARACTER)]
        for part in parts:
            count = sum(part in u.terms for u in units)
            if not count:
                continue
            weight = local = math.log(1 + len(units) / count)
            corpus = corpus_weights.get(word if part.startswith(_CHARACTER) else part)
            if corpus is not None:
                weight = math.sqrt(local * corpus)
            if part.startswith(_CHARACTER):
                weight *= CHARACTER_WEIGHT
            elif part in codes:
                weight *= IDENTIFIER_WEIGHT
            weighed[part] = weight
        weights[word] = weighed
    return weights


def _following(block: _Block, blocks: list[_Block]) -> _Block | None:
    """The steps or list a paragraph leads into, in the same passage."""
    index = blocks.index(block)
    after = blocks[index + 1] if index + 1 < len(blocks) else None
    if (block.kind == "paragraph" and not block.warnings and after is not None
            and after.passage == block.passage and after.kind in ("steps", "list")):
        return after
    return None


def _stated(question: str) -> re.Pattern[str] | None:
    """How a row states the kind of quantity the question asks for, where it asks for one."""
    return next((stated for asked, stated in _QUANTITIES if asked.search(question)), None)


def _quoted(block: _Block, kind: QuestionKind, quantity: re.Pattern[str] | None, counted: bool,
            yes_no: bool, asks_one: bool) -> list[_Unit]:
    """What of the block is quoted, within the budget, in reading order, with its warnings.

    Asked how, a procedure is quoted whole from its first step and a paragraph whole; asked for a value,
    a yes or a no, the steps, sentences or warnings that hold it (asked whether, where a warning says more
    than any step, that warning first and then the procedure whole: it says what to do instead). Asked how long, how
    often or how many (`counted`), steps that state no quantity hold no answer: the procedure is quoted
    whole instead of from its middle, where its first step ("关机并拔下电源插头") would be lost. Asked one
    thing, of a kind of quantity the question names (`asks_one`, `quantity`), the lines stating it answer.
    """
    budget = MAX_QUOTE_SIZE - _size(block.leading + block.warnings)
    answering = _answering(block)
    # "烘羽绒服一般要烘多久" is answered by the step stating a duration, not by every step naming the dryer
    if kind == "value" and quantity and asks_one and any(u.states for u in answering if u in block.units):
        answering = [u for u in answering if u.states or u not in block.units]
    said = max(block.all_units(), key=lambda u: u.score)
    if kind == "other" and block.kind == "paragraph" and said.score > 0 and said in block.units:
        # a yes or no, then what to do instead: from the sentence that answers to the paragraph's end
        start = next((i for i, u in enumerate(block.units) if u in _named(block.units, last=True)),
                     block.units.index(said))
        if block.titled and frozenset().union(*said.words) <= block.titled:
            start = 0  # its title names what is asked ("what are Bixby Routines for"): all of it answers
        body = _prefix(block.units[start:], budget) or [_fitted(block.units[start], budget)]
        return body + [u for u in block.warnings if u in answering]
    warned = all(u in block.leading or u in block.warnings for u in answering)
    stated = not counted or any(NUMBER in u.terms for u in answering)
    if answering and (kind != "how" and block.kind == "paragraph"
                      or kind == "value" and block.kind == "steps" and stated or kind == "other" and warned):
        return answering
    first_warnings: list[_Unit] = []
    if yes_no and block.kind == "steps":
        # "能使劲拧干吗" is answered by the step that says so ("6. ...切勿用力拧干"), with the warnings;
        # where no step says what it asks ("能扔进洗衣机洗吗": a warning does), that warning comes first and
        # the procedure, what to do instead, after it
        said_steps = [u for u in _named(block.all_units(), last=True) if u in block.units]
        warning = max((u.asked[-1] for u in block.leading + block.warnings), default=0.0)
        if said_steps and max(u.asked[-1] for u in said_steps) > warning:
            return block.leading + _prefix(said_steps, budget) + block.warnings
        first_warnings = [u for u in block.warnings if warning > 0 and u.asked[-1] == warning]
    if block.kind == "steps":
        body = _prefix(block.intro + block.units, budget)
        best = max(block.units, key=lambda u: u.score)
        first, rest = block.units[0], block.units[1:]
        if first not in body:  # the lead-in and the first step are over the budget: the first step, cut if need be
            body = [_fitted(first, budget)]
        elif best.score > 0 and best not in body:  # too long to reach the step asked about: the first step
            # (often "switch off") and the steps around it
            body = [first] + _window(rest, budget - _size([first]), rest.index(best))
    elif block.kind in ("list", "table"):
        rows = block.units[1:] if block.kind == "table" else block.units
        named = _named(rows, narrow=block.kind == "table") \
            or [r for r in rows if quantity and quantity.search(r.text)] or rows
        header = block.units[:1] if block.kind == "table" else []
        if named != rows and header and not _header_says_more(header[0]):
            header = []
        body = _prefix(block.intro + header + named, budget)
    else:
        body = _window(block.units, budget)
    if not body:  # one unit longer than the whole budget
        body = [_fitted((block.intro + block.units)[0], budget)]
    return block.leading + first_warnings + body + [u for u in block.warnings if u not in first_warnings]


def _header_says_more(header: _Unit) -> bool:
    """A header that says what a row does not: the columns of three or more ("Part | Clean | Replace"),
    or a unit ("Colour | PM2.5 (µg/m³)"); "Item | Value" over "Dustbin capacity | 400 ml" says nothing."""
    return len(header.text.strip().strip("|").split("|")) > 2 or bool(_UNIT_IN_HEADER.search(header.text))


def _answering(block: _Block) -> list[_Unit]:
    """The units that hold the answer, those scoring near the best one, in reading order; its warnings
    among them come first for the budget."""
    taken = _named(block.all_units())
    warnings = [u for u in taken if u in block.leading or u in block.warnings]
    kept = _prefix([u for u in taken if u not in warnings], MAX_QUOTE_SIZE - _size(warnings))
    return [u for u in taken if u in warnings or u in kept]


def _named(units: list[_Unit], last: bool = False, narrow: bool = False) -> list[_Unit]:
    """The units scoring near the best one for something the question asks (`last`: for the last thing
    it asks of these units: "A feather pokes out. Can I pull it?" is answered where pulling is; `narrow`:
    less those holding only some of the words another one holds of it: "dustbin capacity" names the row
    "Dustbin capacity", not "Water tank capacity")."""
    if not units:
        return []
    bests = [max(u.asked[i] for u in units) for i in range(len(units[0].asked))]
    asks = [i for i, best in enumerate(bests[:-1]) if best > 0]
    if last:
        asks = [len(bests) - 1] if bests[-1] > 0 else asks[-1:]
    taken: set[_Unit] = set()
    for i in asks:
        near = [u for u in units if u.asked[i] >= ROW_SHARE * bests[i]]
        taken.update(u for u in near if not (narrow and any(u.words[i] < other.words[i] for other in near)))
    return [u for u in units if u in taken]


def _prefix(units: list[_Unit], budget: float) -> list[_Unit]:
    taken: list[_Unit] = []
    for unit in units:
        if _size(taken + [unit]) > budget:
            break
        taken.append(unit)
    return taken


def _window(units: list[_Unit], budget: float, best: int | None = None) -> list[_Unit]:
    """All the units when they fit, else the run around the best one (or `best`) that does."""
    if _size(units) <= budget:
        return units
    if best is None:
        best = max(range(len(units)), key=lambda i: units[i].score)
    start, end = best, best + 1
    if _size(units[start:end]) > budget:
        return []
    while True:
        after = units[end] if end < len(units) else None
        before = units[start - 1] if start > 0 else None
        options = [(u.score, i) for i, u in ((0, after), (1, before)) if u is not None]
        grown = False
        for _, side in sorted(options, key=lambda o: (-o[0], o[1])):
            new_start, new_end = (start, end + 1) if side == 0 else (start - 1, end)
            if _size(units[new_start:new_end]) <= budget:
                start, end, grown = new_start, new_end, True
                break
        if not grown:
            return units[start:end]


def _size(units: Sequence[_Unit]) -> float:
    return sum(text_size(u.text) for u in units)


def _fitted(unit: _Unit, budget: float) -> _Unit:
    """The unit, or its start cut at about `budget` words where it is longer."""
    if _size([unit]) <= budget:
        return unit
    chars = int(budget * (2 if HAN.search(unit.text) else 6))
    return _Unit(unit.text[:chars] + "…", unit.terms)
