"""The relevance gate: refuse what this knowledge base does not cover, with thresholds it measured itself.

No fixed similarity threshold works: with multilingual-e5-small, off-topic Chinese questions score
0.81-0.85 against a car manual while answerable English ones start at 0.83 against a phone manual.
So each collection is *calibrated*: a built-in bank of questions no maintenance guide answers
(`data/refusal_bank.jsonl`) is asked of it, and the thresholds sit where the bank's best passages stop,
per question language. A question is then answered when its best passage clearly beats the bank, or
beats it narrowly and the passages hold its distinctive terms, and never when most of its terms
appear nowhere in the collection (a product or feature the guides never mention). A Chinese question
is also read for its subject (its first noun): one the guides mention only in passing (a tent in a
washing machine's guide) needs a certain match; one naming a product category or alias the guides'
tags hold (扫地机器人 for an English robot vacuum guide) is answered from the bank's median up. An
English question's capitalised names ("Galaxy Buds" asked of a phone manual that names them once, under
no heading) count as a subject.
Questions that try to change the assistant's rules or ask for its prompt are refused before retrieval.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from langchain_core.documents import Document

from ingest.text import Language, Tokenizer, detect_language
from rag_app.keyword import KeywordIndex
from rag_app.products import Catalog, Naming, is_place
from rag_app.settings import Settings

BANK_PATH = Path(__file__).parent / "data" / "refusal_bank.jsonl"
CALIBRATION_KEY = "gate_calibration"  # Chroma collection metadata: the Calibration as JSON
# Raise when calibration measures something new: a collection measured by an older version is measured again.
CALIBRATION_VERSION = 2
LANGUAGES: tuple[Language, ...] = ("en", "zh")

# Chosen by measurement on data/guides (with leave-one-guide-out questions) and emanual-s10 (see
# README "Refusals"). Levels sit relative to the bank's 95th percentile, per language (a bank question
# the collection happens to answer must not lift them); `floor` is the bank's median.
BANK_QUANTILE = 95.0
LOW_MARGIN = 0.005  # threshold: just under the bank's p95
CONFIDENT_MARGIN = 0.015  # confident: no term evidence needed, unless most terms are unknown
CERTAIN_MARGIN = 0.04  # certain: nothing but an unknown name refuses
MIN_COVERAGE = 0.3  # IDF-weighted share of the question's terms the passages must hold in between
MIN_TOP_COVERAGE = 0.1  # ... and the best passage alone (terms gathered across guides are no answer),
# or the passage ranked first MIN_COVERAGE alone
HELD_COVERAGE = 0.7  # the passages, and one of them alone, hold this much: answer from the floor up
IN_PASSING = 2  # a subject the collection mentions in at most this many chunks: only in passing
MAX_ABSENT = 0.7  # above this IDF-weighted share of terms the collection never mentions: refuse
# Question words that guides, written as statements, rarely use: their absence says nothing.
QUESTION_WORDS = frozenset([
    "多少", "多久", "多长", "多大", "多重", "多高", "多远", "几", "几年", "几次",
    "哪个", "哪种", "哪里", "哪儿", "是否", "能否", "怎么办", "怎么回事", "什么样",
])
# Nouns that stand for no thing in particular ("这东西", "调位置的时候"): never what a question is about.
GENERIC_NOUNS = frozenset(["东西", "时候", "地方", "问题", "情况", "办法", "方法", "事情", "样子"])
EXCLUDED = re.compile("(?:以外|之外)的?")  # "X 以外的 Y": Y other than X
SELF_CHECK_QUESTIONS = 30  # questions generated from the collection's own headings, to report

BankKind = Literal["near-domain", "off-topic", "injection"]
Split = Literal["calibration", "heldout"]


@dataclass(frozen=True)
class BankQuestion:
    id: str
    question: str
    kind: BankKind
    topic: str
    lang: Language
    split: Split


def load_bank(split: Split | None = None, path: Path = BANK_PATH) -> list[BankQuestion]:
    """The bank's questions, or one part: `calibration` sets thresholds, `heldout` is for evaluation only."""
    bank = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                bank.append(BankQuestion(**json.loads(line)))
            except (json.JSONDecodeError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a bank question ({exc})") from exc
    return [q for q in bank if split is None or q.split == split]


# Attempts to change the rules or extract the prompt; kept narrow so that manual questions
# ("can the phone act as a hotspot?", "ignore the low-battery warning?") pass.
_INJECTION = [re.compile(p, re.IGNORECASE) for p in (
    (r"\b(ignore|disregard|forget|override|bypass|drop)\b.{0,30}\b(previous|prior|above|earlier|all|any|your|the)\b"
    r".{0,20}\b(instructions?|rules?|prompts?|guidelines?|directions?|restrictions?|passages?|manual|guides?)\b"),
    r"\b(system|initial|hidden|original|secret)\s+(prompt|message|instructions?|configuration|config)\b",
    (r"\b(reveal|show|print|repeat|output|tell|give|display|leak)\b.{0,20}\byour\b.{0,20}"
    r"\b(prompt|instructions?|rules|configuration|config|settings)\b"),
    r"\byour\s+(prompt|instructions)\b|\binstructions you (were|have been) given\b",
    r"\brepeat\b.{0,20}\b(everything|all|the text|words?)\b.{0,20}\babove\b",
    r"\b(you are now|from now on,? you|pretend (to be|you are|you're)|act as (if you|an? unrestricted|my))\b",
    r"\b(developer mode|jailbreak|do anything now|dan mode)\b|\byou are (now )?dan\b",
    r"\bstop being\b.{0,30}\b(assistant|bot)\b",
    r"\b(new|admin|administrator|system)\s+(instruction|command|override)s?\b",
    r"^\s*(system|assistant)\s*:",
    (r"(忽略|无视|忘记|忘掉|不要理会|别管|绕过|跳过)(掉)?(你的|之前的?|以上的?|上面的?|前面的?|所有的?|全部的?|一切|原有的?)+"
    r".{0,8}(指令|规则|设定|提示|限制|要求|约束|手册|资料)"),
    r"(系统|初始|隐藏|原始)(的)?(提示|指令|设定|消息|配置)",
    r"提示词",
    r"(输出|显示|告诉我|重复|打印|泄露|透露).{0,10}(你的|你收到的).{0,6}(提示|指令|设定|配置|规则)",
    r"(不用|不要|无需|不必|不再)遵守",
    r"(不要|不用|别)(再)?(参考|看|管|依据)(手册|指南|资料)",
    r"你现在是|从现在(开始|起)你|你的身份(是|改为|变成)|不再是(客服|助手)|扮演|假装你",
    r"(没有|不受|无)(任何)?限制的\s*(ai|助手|机器人|模型)",
    r"开发者模式|越狱|管理员指令|新指令",
    r"重复上面|上面的所有内容",
)]


# Names of things: model numbers and codes ("QY-600", "LJ-F10", "E21", "S10"), and a capitalised name
# with a number ("Hollow 15"). A question naming one the guides never mention is about something else.
_CODE = re.compile(r"(?<![\w.-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![\w-])")
_NAMED_NUMBER = re.compile(r"\b[A-Z][a-z]{2,}\s?\d+(?![\d.%])")
_UNIT = re.compile(
    r"^\d+(?:\.\d+)?(?:mm|cm|m|km|g|kg|mg|ml|l|w|kw|v|mah|ah|hz|khz|mhz|ghz|c|f|s|min|h|hr|hrs|gb|mb|tb|k|p|x|"
    r"db|rpm|psi|bar|in|ft|lb|lbs|oz|st|nd|rd|th|am|pm|d|yr|yrs)$",
    re.IGNORECASE,
)


# A capitalised name of two words or more ("Galaxy Buds", "Samsung TV", "S Pen"), less the question's
# own capitalised words ("Can I", "How") and units ("5 GHz Wi-Fi"): what an English question is about, when it
# names it.
_NAME = re.compile(r"\b[A-Z][A-Za-z]*(?:-[A-Za-z]+)*(?:[ \t]+[A-Z][A-Za-z]*(?:-[A-Za-z]+)*)+(?![\w-])")
_NOT_A_NAME = frozenset("""a an are can could did do does how i if is it my please should the what when where which
    who why will would ghz mhz khz hz mah db kw kwh""".split())  # noqa: SIM905 (a word list reads better as text)


def capitalised_names(question: str) -> list[str]:
    """The capitalised multi-word names in an English question ("How do I pair my Galaxy Buds?")."""
    if not re.search(r"\b[a-z]{2,}", question):  # Title Case (or no English): capitals say nothing
        return []
    found = []
    for match in _NAME.finditer(question):
        tokens = match.group().split()
        while tokens and tokens[0].lower() in _NOT_A_NAME:
            tokens.pop(0)
        while tokens and tokens[-1].lower() in _NOT_A_NAME:
            tokens.pop()
        if len(tokens) >= 2:
            found.append(" ".join(tokens))
    return list(dict.fromkeys(found))


def entities(question: str) -> list[str]:
    """The model numbers, codes and numbered names in a question (not measurements like "30C", "5GHz")."""
    found = [m.group() for m in _CODE.finditer(question) if not _UNIT.match(m.group())]
    found += [m.group() for m in _NAMED_NUMBER.finditer(question)]
    return list(dict.fromkeys(found))


def subject_of(question: str, tokenize: Tokenizer) -> str:
    """A Chinese question's subject: its first noun of two characters or more that names a thing ("" for
    English), after what it excludes ("扫地机器人以外的洗地机" is about the 洗地机), and not a place
    ("在帐篷里用炉子" is about the 炉子)."""
    if detect_language(question) != "zh":
        return ""
    about = EXCLUDED.split(question)[-1]
    position = 0
    for noun in tokenize.nouns(about):
        start = about.find(noun, position)
        if start < 0:
            continue
        position = start + len(noun)
        if len(noun) > 1 and noun not in QUESTION_WORDS | GENERIC_NOUNS and not is_place(about, start, position):
            return noun
    return ""


def kinds_asked_about(question: str, subject: str, naming: Naming, catalog: Catalog) -> list[str]:
    """The products whose kind (category or plain-word alias) is what the question is about: its
    `subject` ("扫地机器人的尘盒" -> 扫地) lies in one, or, in English, its first noun phrase names one
    ("my down jacket"); not "帐篷脏了能扔进洗衣机吗" or "my tent in the washing machine"."""
    if detect_language(question) != "zh":
        return naming.leading_kinds(question)
    return [name for name, product in catalog.products.items() if subject
            and any(subject in term.casefold() for term, specific in product.naming_terms() if not specific)]


def is_injection(question: str) -> bool:
    """A question that tries to change the assistant's rules or asks for its prompt."""
    return any(p.search(question) for p in _INJECTION)


@dataclass(frozen=True)
class Thresholds:
    """Per question language ("zh"; "zh>en" where the best passage is in another language), levels of the
    best passage's similarity (see `Gate.decide`)."""

    threshold: float  # below: refuse, unless the question names things the guides mention
    confident: float  # from here: answer without term evidence
    floor: float = 0.0  # below: refuse whatever the question names
    certain: float = 1.0  # from here: answer even when most terms are unknown


@dataclass(frozen=True)
class Calibration:
    """What the gate decides with, as stored with the collection and shown to users and staff."""

    thresholds: dict[str, Thresholds]  # "en", "zh"; "en>zh", "zh>en" when the guides hold both languages
    min_coverage: float = MIN_COVERAGE
    max_absent: float = MAX_ABSENT
    origin: Literal["calibrated", "settings", "default"] = "calibrated"
    model: str = ""
    chunks: int = 0
    bank_questions: int = 0
    bank_scores: dict[str, dict[str, float]] = field(default_factory=dict)  # as thresholds -> p50/p95/max
    self_check: dict[str, float] = field(default_factory=dict)  # own generated questions answered
    calibrated_at: str = ""
    overridden: list[str] = field(default_factory=list)  # RELEVANCE_* settings that replaced values
    version: int = CALIBRATION_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        raw = json.loads(text)
        raw.setdefault("version", 1)  # stored before versions were
        raw["thresholds"] = {lang: Thresholds(**t) for lang, t in raw["thresholds"].items()}
        return cls(**raw)

    def limits(self, language: Language, passage_language: str) -> Thresholds:
        """The levels for a question against its best passage: the cross-language ones where they differ
        (similarity across languages runs lower: a Chinese question about an English guide)."""
        across = self.thresholds.get(f"{language}>{passage_language}") if passage_language != language else None
        return across or self.thresholds.get(language) or DEFAULT_CALIBRATION.thresholds["en"]

    def beyond_bank(self, language: Language, passage_language: str) -> float:
        """The similarity from which a question whose terms the guides mostly never use is still answered:
        above every calibration question of the bank, where the bank never reaches the confident level;
        else the certain level."""
        limits = self.limits(language, passage_language)
        across = f"{language}>{passage_language}" if passage_language != language else ""
        scores = self.bank_scores.get(across) or self.bank_scores.get(language) or {}
        return min(limits.certain, max(limits.confident, scores.get("max", 1.0)))

    def summary(self) -> dict[str, Any]:
        """The plain-JSON view for `rag-ask --json`, the API and the staff page."""
        return asdict(self)

    def with_overrides(self, settings: Settings) -> Calibration:
        """RELEVANCE_* settings that are set replace the measured values (for every language)."""
        overridden = [name for name in ("relevance_threshold", "relevance_confident", "relevance_min_coverage",
                                        "relevance_max_absent") if getattr(settings, name) is not None]
        if not overridden:
            return self
        thresholds = {
            lang: Thresholds(
                threshold=_pick(settings.relevance_threshold, t.threshold),
                confident=_pick(settings.relevance_confident, t.confident),
                floor=_pick(settings.relevance_threshold, t.floor),  # set: nothing below it is answered
                certain=max(t.certain, _pick(settings.relevance_confident, t.certain)),
            )
            for lang, t in self.thresholds.items()
        }
        return Calibration(
            **{**asdict(self), "thresholds": thresholds, "overridden": overridden,
               "origin": "settings" if self.origin == "default" else self.origin,
               "min_coverage": _pick(settings.relevance_min_coverage, self.min_coverage),
               "max_absent": _pick(settings.relevance_max_absent, self.max_absent)}
        )


def _pick(setting: float | None, measured: float) -> float:
    return measured if setting is None else setting


# Before a collection is calibrated (empty, or made by an older version until its first question).
DEFAULT_CALIBRATION = Calibration(
    thresholds={lang: Thresholds(threshold=0.80, confident=0.90, floor=0.78, certain=0.92) for lang in LANGUAGES},
    origin="default",
)


@dataclass(frozen=True)
class Evidence:
    language: Language
    score: float  # best passage's cosine similarity
    passage_language: str  # the best passage's ("" when its guide has none recorded)
    coverage: float  # IDF-weighted share of the question's terms the passages hold
    absent: float  # IDF-weighted share of the question's terms no chunk holds nor any product name or alias
    names: int  # model numbers, codes, numbered names in the question
    unknown_names: int  # of those, the ones the collection never mentions
    names_in_passages: bool  # the passages hold every name the question has (and it has one)
    top_coverage: float  # coverage by the best passage alone
    first_coverage: float  # coverage by the passage ranked first (the one the answer leads with)
    held_coverage: float  # coverage by the one passage that holds the most of the question's terms
    subject: str  # a Chinese question's first noun (what it is about); "" for English
    subject_mentions: int  # chunks that mention the subject (exact up to IN_PASSING + 1; 0 if a heading names it)
    subject_named: bool  # the subject ("my down jacket") is (part of) a category or alias of a passage's product
    names_product: bool  # the question names one of this collection's products or kinds
    name_in_passing: str = ""  # a capitalised name ("Galaxy Buds") in at most IN_PASSING chunks, under no heading
    code_missing: bool = False  # the question asks about an error code none of the passages holds
    model_named: bool = False  # the question names, by name or model, a product its passages come from
    product_named: bool = False  # ... or by its kind or alias, not as a place ("on the air purifier", "气炉")


@dataclass(frozen=True)
class Decision:
    relevant: bool
    reason: Literal["injection", "no passages", "unknown name", "code not in passages", "names in passages", "certain",
                    "subject in passing", "model named", "kind named", "unknown terms", "confident", "below floor",
                    "names known", "subject named",
                    "product named across languages", "unnamed across languages", "terms held",
                    "below threshold", "terms covered", "terms not covered"]
    evidence: Evidence | None = None


class Gate:
    """Decides whether the passages retrieved for a question answer it."""

    def __init__(self, keyword: KeywordIndex, calibration: Calibration, catalog: Callable[[], Catalog],
                 mentions: Callable[[str, int], int], headings: Callable[[], str]) -> None:
        """`catalog`: the collection's products as they are now (names, categories, aliases); `mentions`:
        how many chunks (counted up to a limit) hold a text verbatim, whatever jieba made of it there;
        `headings`: the collection's section titles, lower-cased, one per line (what its guides cover)."""
        self.keyword = keyword
        self.calibration = calibration
        self.catalog = catalog
        self.mentions = mentions
        self.headings = headings

    def evidence(self, question: str, passages: Sequence[Document]) -> Evidence:
        names = entities(question)
        best = max(passages, key=lambda p: float(p.metadata["score"]), default=None)
        ids = [p.metadata["id"] for p in passages]
        language = detect_language(question)
        catalog = self.catalog()
        naming = catalog.named_in(question)
        codes = catalog.codes_in(question)
        subject = subject_of(question, self.keyword.tokenize)
        terms = [(term, specific) for p in catalog.products.values() for term, specific in p.naming_terms()]
        # the kinds of the products the passages come from: a kind the search did not reach says nothing
        held = {str(p.metadata.get("product") or "") for p in passages}
        known = frozenset(token for term, _ in terms for token in self.keyword.tokenize(term))
        return Evidence(
            language=language,
            score=float(best.metadata["score"]) if best else 0.0,
            passage_language=str(best.metadata.get("language") or language) if best else language,
            coverage=self.keyword.coverage(question, ids),
            absent=self.keyword.absent_share(question, QUESTION_WORDS, known),
            names=len(names),
            unknown_names=sum(not self.keyword.mentions(name) for name in names),
            names_in_passages=bool(names) and all(self.keyword.coverage(name, ids) >= 1.0 for name in names),
            top_coverage=self.keyword.coverage(question, [best.metadata["id"]]) if best else 0.0,
            first_coverage=self.keyword.coverage(question, ids[:1]),
            held_coverage=max((self.keyword.coverage(question, [i]) for i in ids), default=0.0),
            subject=subject,
            subject_mentions=self._mentions(subject) if subject and subject not in self.headings() else 0,
            subject_named=bool(held & set(kinds_asked_about(question, subject, naming, catalog))),
            names_product=bool(naming.products or naming.kinds),
            name_in_passing=self._name_in_passing(capitalised_names(question)),
            code_missing=bool(codes) and not any(code.search(p.page_content) for p in passages for code in codes),
            model_named=bool(held & set(naming.products)),
            product_named=bool(held & {*naming.products, *naming.kinds_not_places(question)}),
        )

    def _name_in_passing(self, names: list[str]) -> str:
        """The first of the names when the guides mention every one only in passing ("charge my Galaxy Buds
        with Wireless PowerShare" is about the feature the phone manual covers)."""
        return names[0] if names and all(self._in_passing(name) for name in names) else ""

    def _in_passing(self, name: str) -> bool:
        """A name the guides mention in at most IN_PASSING chunks and in none of their headings: a sibling
        product ("Galaxy Buds" in a phone manual's wireless-charging page), not one they cover."""
        if name.lower() in self.headings():
            return False
        rarest = min((self.keyword.document_frequency(t) for t in self.keyword.tokenize(name)), default=0)
        if rarest <= IN_PASSING:  # no chunk holds the name without this word: no need to scan the store
            return True
        # as written, else as a manual may write it ("Dark Mode": "Dark mode", "dark mode")
        return all(self.mentions(form, IN_PASSING + 1) <= IN_PASSING
                   for form in dict.fromkeys((name, name[:1] + name[1:].lower(), name.lower())))

    def _mentions(self, word: str) -> int:
        """Chunks that hold the word, counted up to just past "in passing": the keyword index answers for
        a word it holds often enough; else the store, verbatim (jieba may have split it differently
        there), which scans the text (about 0.4 s at 100k chunks)."""
        indexed = self.keyword.document_frequency(word)
        return indexed if indexed > IN_PASSING else self.mentions(word, IN_PASSING + 1)

    def decide(self, question: str, passages: Sequence[Document]) -> Decision:
        """Similarity levels come from calibration; names and terms decide between them.

        A named model or code the guides never mention refuses outright (a sibling product), one the
        passages hold answers (evidence across languages, where similarity runs low); a question most
        of whose terms the guides never use needs a certain match (or, where the bank never reaches the
        confident level, one beyond every bank question: a small manual lacks most everyday words), or a
        confident one where it names the product its passages are of, by name, model or kind
        ("极光800袖子被勾破一个小口子", "怕半路 背带断 出发前背包要检查哪": customers' words, not the
        guide's), and so does one whose subject (or a capitalised name: "Galaxy Buds") they mention only in
        passing, under no heading (unless it names one of their products); between the bank's median
        and its top, a question answers when it names things the guides mention or a product category
        or alias their tags hold, or when the passages, and one passage alone, hold enough of its
        distinctive terms.
        """
        if is_injection(question):
            return Decision(False, "injection")
        if not passages:
            return Decision(False, "no passages")
        evidence = self.evidence(question, passages)
        calibration = self.calibration
        limits = calibration.limits(evidence.language, evidence.passage_language)
        if evidence.unknown_names:
            return Decision(False, "unknown name", evidence)
        if evidence.code_missing:  # another product's code ("F03" asked of the air purifier): not this one's
            return Decision(False, "code not in passages", evidence)
        if evidence.names_in_passages:  # e.g. a Chinese question about an English guide's model
            return Decision(True, "names in passages", evidence)
        if evidence.score >= limits.certain:
            return Decision(True, "certain", evidence)
        if ((evidence.name_in_passing or 0 < evidence.subject_mentions <= IN_PASSING and not evidence.subject_named)
                and not evidence.names_product and not evidence.names):
            return Decision(False, "subject in passing", evidence)
        if evidence.product_named and evidence.score >= limits.confident:
            return Decision(True, "model named" if evidence.model_named else "kind named", evidence)
        # a guide in the other language never writes the question's words: naming its product must do,
        # as guides in the question's language would hold its words for another product's question
        # ("The robot won't join my Wi-Fi network" of a Chinese purifier guide, among English guides)
        if evidence.language != evidence.passage_language and not evidence.product_named and not evidence.names:
            return Decision(False, "unnamed across languages", evidence)
        across = evidence.language != evidence.passage_language and evidence.product_named
        if evidence.absent > calibration.max_absent and not across and evidence.score < calibration.beyond_bank(
                evidence.language, evidence.passage_language):
            return Decision(False, "unknown terms", evidence)
        if evidence.score >= limits.confident:
            return Decision(True, "confident", evidence)
        if evidence.score < limits.floor:
            return Decision(False, "below floor", evidence)
        if evidence.names:
            return Decision(True, "names known", evidence)
        if evidence.subject_named:
            return Decision(True, "subject named", evidence)
        if across:
            return Decision(True, "product named across languages", evidence)
        if min(evidence.coverage, evidence.held_coverage) >= HELD_COVERAGE:
            return Decision(True, "terms held", evidence)
        if evidence.score < limits.threshold:
            return Decision(False, "below threshold", evidence)
        # the best passage by meaning may rank low (the searches disagree): the passage ranked first then
        # speaks for the terms if it alone holds as many as all must ("dropped my phone in the sea")
        if evidence.coverage >= calibration.min_coverage and (
                evidence.top_coverage >= MIN_TOP_COVERAGE or evidence.first_coverage >= calibration.min_coverage):
            return Decision(True, "terms covered", evidence)
        return Decision(False, "terms not covered", evidence)


def generated_questions(chunks: Sequence[tuple[str, str, str]], limit: int = SELF_CHECK_QUESTIONS) -> list[str]:
    """Questions a collection answers, made from its (source, section path, text): "How do I <heading>?"."""
    questions: list[str] = []
    seen: set[str] = set()
    for _source, section, text in chunks:
        parts = [p.strip() for p in section.split(" > ") if p.strip()]
        if len(parts) < 2 or parts[-1] in seen:
            continue  # a guide's title alone is no question
        heading = parts[-1]
        seen.add(heading)
        if detect_language(heading + text[:200]) == "zh":
            questions.append(f"{heading}怎么做？")
        else:
            questions.append(f"How do I {heading[:1].lower()}{heading[1:]}?")
    if len(questions) <= limit:
        return questions
    step = len(questions) / limit
    return [questions[int(i * step)] for i in range(limit)]


def calibrate(
    best_similarities: Callable[[list[str], str | None], list[float]],
    search: Callable[[str], Sequence[Document]],
    keyword: KeywordIndex,
    chunks: Sequence[tuple[str, str, str]],
    model: str,
    catalog: Callable[[], Catalog],
    mentions: Callable[[str, int], int],
    headings: Callable[[], str],
    passage_languages: Collection[str] = (),
) -> Calibration:
    """Measure this collection with this model: where the bank's best passages stop, per language, and,
    where the guides hold both languages, per question language against the other language's guides.

    `best_similarities` (questions, passage language or None for all) embeds the bank in one batch and
    queries the store once (about a second on a CPU; with EMBEDDING_CACHE_DIR the bank's vectors come
    from the cache); `search` answers the few self-check questions the way users are answered.
    """
    bank = load_bank("calibration")
    questions = [q.question for q in bank]
    levels: dict[str, list[float]] = {lang: [] for lang in LANGUAGES}
    for item, similarity in zip(bank, best_similarities(questions, None), strict=True):
        levels[item.lang].append(similarity)
    if set(LANGUAGES) <= set(passage_languages):
        for passage_language in LANGUAGES:
            for item, similarity in zip(bank, best_similarities(questions, passage_language), strict=True):
                if item.lang != passage_language:
                    levels.setdefault(f"{item.lang}>{passage_language}", []).append(similarity)
    thresholds: dict[str, Thresholds] = {}
    scores: dict[str, dict[str, float]] = {}
    for key, values in levels.items():
        high = float(np.percentile(values, BANK_QUANTILE))
        thresholds[key] = Thresholds(threshold=round(high - LOW_MARGIN, 4), confident=round(high + CONFIDENT_MARGIN, 4),
                                     floor=round(float(np.median(values)), 4),
                                     certain=round(high + CERTAIN_MARGIN, 4))
        scores[key] = {"p50": round(float(np.median(values)), 4), f"p{BANK_QUANTILE:g}": round(high, 4),
                       "max": round(max(values), 4)}
    calibration = Calibration(thresholds=thresholds, model=model, chunks=len(chunks), bank_questions=len(bank),
                              bank_scores=scores, calibrated_at=datetime.now(UTC).isoformat(timespec="seconds"))
    gate = Gate(keyword, calibration, catalog, mentions, headings)
    own = generated_questions(chunks)
    answered = sum(gate.decide(q, search(q)).relevant for q in own)
    self_check = {"questions": len(own), "answered": round(answered / len(own), 4) if own else 0.0}
    return Calibration(**{**asdict(calibration), "thresholds": thresholds, "self_check": self_check})
