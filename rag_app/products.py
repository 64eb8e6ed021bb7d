"""Many products, one assistant: filters, the products a question names, and when to ask back.

The catalog is derived from the chunks' metadata (product, model, category, aliases written by ingest),
never from a fixed list, so it follows each knowledge base.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.documents import Document

from ingest.text import ENGLISH_STOP_WORDS, is_table_row, text_size

FILTER_FIELDS = ("product", "model", "category", "language", "source")
ALIAS_SEPARATOR = "|"
PRODUCT_KEYS = ("product", "model", "aliases")  # the metadata that names a chunk's product
Filters = dict[str, tuple[str, ...]]

# Two products' answer-bearing lines this alike (share of the shorter's character trigrams in the other,
# product names masked, same numbers) give the same answer: variants that share the chapter.
SAME_ANSWER_SIMILARITY = 0.9
# A product is a real alternative when its best passage is nearly as close to the question as the best
# product's (cosine), and its passages and its best line hold nearly as much of the question's terms.
CLARIFY_SCORE_MARGIN = 0.03
CONTENDER_SHARE = 0.7
ANSWER_LINES = 3  # lines of each product compared: the answer rarely needs more
NEAR_BEST_LINE = 0.6  # ... and only those holding nearly as much of the question as the best line
CLARIFY_EVIDENCE = 3  # passages searched per product to compare them
CHOICE_EXTRA_WORDS = 4  # "the R5 please", "是 LF-3 Pro 的": a reply this short only picks a product
MAX_OPTIONS = 5

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# An error code in a question: "E21", "F03", "错误代码 E4", "Error 12".
_CODE = re.compile(r"(?i)(?<![a-z0-9-])((?:error|err|code)\s*\d{1,3}|[a-z]{1,2}-?\d{1,3})(?![a-z0-9-])")
_LETTER_CODE = re.compile(r"([a-z]{1,2})-?(\d{1,3})")  # "E21", "E-21": written both ways
# A display code without digits ("tCL", "Unb", "LE") is known by the code table that lists it: a table
# whose first column is headed as codes ("故障代码", "Error code", "Display").
_CODE_WORD = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z]{2,5}(?![A-Za-z0-9-])")
CODE_CHUNKS = 20  # a word in more chunks than this is a word, not a code
_CODE_COLUMN = re.compile(r"(?i)\b(?:codes?|errors?|faults?|display|indicators?|alarms?)\b|代码|故障|错误|显示|报警")
# What a customer quotes from a display, an app or a voice prompt: "Main brush jammed", “滤网需要更换”.
_QUOTED = re.compile(r'["“「『]([^"“”「」『』\n]{2,80})["”」』]')
_PIECE = re.compile(r"[a-z0-9]+|[^\sa-z0-9\-_./+]+")
_WORDISH = "a-z0-9+"
_SPACE = re.compile(r"\s+")
_LINE_SPLIT = re.compile(r"\n+|(?<=[。！？；])|(?<=[.!?;])\s+")


class FilterError(ValueError):
    """A filter the store cannot apply; the message names the field."""


def normalize_filters(raw: Mapping[str, Any] | None) -> Filters:
    """{"product": "X", "model": ["A", "B"]} -> {"product": ("X",), "model": ("A", "B")}; empty ones dropped."""
    filters: Filters = {}
    for name, value in (raw or {}).items():
        if name not in FILTER_FIELDS:
            raise FilterError(f"filters.{name}: unknown field; use one of {', '.join(FILTER_FIELDS)}")
        if value is None:
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            raise FilterError(f"filters.{name}: must be a text or a list of texts")
        cleaned = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
        if cleaned:
            filters[name] = cleaned
    return filters


def chroma_where(filters: Filters) -> dict[str, Any] | None:
    """The Chroma `where` clause for the filters (all fields must match, any value of a field)."""
    clauses: list[dict[str, Any]] = [
        {name: values[0]} if len(values) == 1 else {name: {"$in": list(values)}}
        for name, values in sorted(filters.items())
    ]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


_DETERMINER = re.compile(r"\b(?:my|the|your|our|this|these|those|that)\s+")
# Where something is done, not what a question is about: "cook in the tent vestibule", "在帐篷里用气炉";
# "睡袋里有异味" (without 在) and "外帐上粘了松树油" are about the sleeping bag and the fly sheet
_PLACE_BEFORE = re.compile(r"\b(?:in|inside|into|near|beside|under|outside|around|next to)\s+"
                           r"(?:(?:my|the|your|our|this|that|a|an)\s+)?(?:[a-z0-9'’-]+\s+)?$")  # "my top-loading"
_LOCATIVE = ("里", "内", "中", "上", "外", "旁", "边", "附近")
_PHRASE_WORD = re.compile(r"[a-z0-9][a-z0-9'’-]*\s*")  # a word of a noun phrase and the space after it


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text folded (as spans are counted) with the spans blanked; the text itself where there are none."""
    if not spans:
        return text
    folded = _fold(text)
    for start, end in spans:
        folded = folded[:start] + " " * (end - start) + folded[end:]
    return folded


def is_place(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` is written as the place where something is done ("in the tent",
    "在帐篷里"), not as what is asked about."""
    return bool(_PLACE_BEFORE.search(text, 0, start)) or (
        text.endswith("在", 0, start) and text.startswith(_LOCATIVE, end))


def _term_pattern(term: str) -> re.Pattern[str] | None:
    """"LF-2 Pro" matches "lf-2 pro", "LF2 Pro", "lf2pro" but not "LF-2 Pros" or "xlf-2 pro"; "TrekLine
    55+10" matches "trekline 55 + 10"."""
    pieces = _PIECE.findall(_fold(term))
    if not pieces:
        return None
    body = r"[\s\-_./+]*".join(re.escape(p) for p in pieces)
    if term.rstrip().endswith("+"):
        body += r"\+"
    before = rf"(?<![{_WORDISH}])" if pieces[0][0].isascii() else ""
    after = rf"(?![{_WORDISH}])" if pieces[-1][-1].isascii() and not body.endswith(r"\+") else ""
    return re.compile(before + body + after)


@dataclass(frozen=True)
class Product:
    """One product of the knowledge base, as its chunks' metadata describe it."""

    name: str
    model: str = ""
    category: str = ""
    aliases: tuple[str, ...] = ()

    def naming_terms(self) -> tuple[tuple[str, bool], ...]:
        """(term, specific): a product name, model or model-like alias names this product alone; a
        category or plain-word alias ("tent", "扫地机器人") names every product of its kind."""
        terms = [(self.name, True), (self.model, True), (self.category, False)]
        terms += [(a, any(ch.isdigit() for ch in a)) for a in self.aliases]
        return tuple((t, specific) for t, specific in terms if t)


@dataclass(frozen=True)
class Naming:
    """Products a text names: by name or model (`products`), or only by their kind (`kinds`)."""

    products: list[str]
    kinds: list[str]
    # (start, end, product) in the folded text: every name, model, alias and kind it holds
    product_spans: list[tuple[int, int, str]] = field(default_factory=list)
    kind_spans: list[tuple[int, int, str]] = field(default_factory=list)  # those naming a product by its kind

    @property
    def spans(self) -> list[tuple[int, int]]:
        return [(start, end) for start, end, _ in self.product_spans]

    def without(self, text: str, products: Collection[str], kinds: bool = True) -> str:
        """The text with the names of `products` blanked (and folded, where it names them). Searching those
        products' guides, their names tell no passage apart, and the passage that writes them most outweighs
        the one the question asks for: "R5 扫地机器人的保修期是多久？" found the R5 guide's introduction, not
        its warranty section. `kinds=False` keeps their kinds, for the dense search: "the robot vacuum" still
        says what the question is about, where "极光 800" only pulls it to the specification table."""
        kept = set() if kinds else {(start, end) for start, end, _ in self.kind_spans}
        return _blank(text, [(start, end) for start, end, product in self.product_spans
                             if product in products and (start, end) not in kept])

    def unnamed(self, text: str) -> str:
        """The text with every product, model and kind it names blanked: what it asks besides naming them
        ("帐篷怎么收纳？" asks 怎么收纳, "那 LF-2 Pro 呢？" nothing)."""
        return _blank(text, self.spans)

    def kinds_not_places(self, text: str) -> list[str]:
        """The products whose kind the text names other than as a place ("Can I cook in the tent
        vestibule?" names none)."""
        folded = _fold(text)
        return list(dict.fromkeys(product for start, end, product in self.kind_spans
                                  if not is_place(folded, start, end)))

    def leading_kinds(self, text: str) -> list[str]:
        """The products whose kind an English text's first noun phrase names ("my down jacket", "the air
        purifier filter"), not a kind named later ("my tent in the washing machine" is about the tent),
        nor a place ("Can I cook in the tent vestibule?" is about cooking)."""
        folded = _fold(text)
        first = _DETERMINER.search(folded)
        if first is None or is_place(folded, first.start(), first.end()):
            return []
        phrase_end = first.end()
        for word in _PHRASE_WORD.finditer(folded, first.end()):
            in_kind = any(start <= word.start() < end for start, end, _ in self.kind_spans)  # "down jacket"
            if word.start() > phrase_end or (word.group().strip() in ENGLISH_STOP_WORDS and not in_kind):
                break
            phrase_end = word.end()
        return list(dict.fromkeys(product for start, end, product in self.kind_spans
                                  if first.end() <= start and end <= phrase_end))


@dataclass
class Catalog:
    """The products of one knowledge base and how questions name them."""

    products: dict[str, Product] = field(default_factory=dict)
    _patterns: list[tuple[re.Pattern[str], str, bool, int]] = field(default_factory=list, repr=False)

    @classmethod
    def from_metadatas(cls, metadatas: Iterable[Mapping[str, Any]]) -> Catalog:
        products: dict[str, Product] = {}
        for meta in metadatas:
            name = str(meta.get("product") or "")
            if name and name not in products:
                aliases = tuple(a for a in str(meta.get("aliases") or "").split(ALIAS_SEPARATOR) if a)
                products[name] = Product(name, str(meta.get("model") or ""), str(meta.get("category") or ""),
                                         aliases)
        catalog = cls(dict(sorted(products.items())))
        for product in catalog.products.values():
            for term, specific in product.naming_terms():
                pattern = _term_pattern(term)
                if pattern is not None:
                    catalog._patterns.append((pattern, product.name, specific, len(term)))
        return catalog

    def named_in(self, text: str) -> Naming:
        """The products a text names; a longer name wins over a shorter one inside it ("S10+" over "S10")."""
        folded = _fold(text)
        spans: list[tuple[int, int, str, bool]] = []
        for pattern, product, specific, _ in sorted(self._patterns, key=lambda p: -p[3]):
            for match in pattern.finditer(folded):
                inside = any(s <= match.start() and match.end() <= e and (s, e) != match.span() for s, e, _, _ in spans)
                if not inside:
                    spans.append((match.start(), match.end(), product, specific))
        return Naming(
            list(dict.fromkeys(p for _, _, p, specific in spans if specific)),
            list(dict.fromkeys(p for _, _, p, specific in spans if not specific)),
            [(s, e, p) for s, e, p, _ in spans],
            [(s, e, p) for s, e, p, specific in spans if not specific],
        )

    def codes_in(self, question: str) -> list[re.Pattern[str]]:
        """Patterns of the error codes a question asks about (a model number such as "R5" is no code)."""
        naming = self.named_in(question)
        folded = _fold(question)
        patterns = []
        for match in _CODE.finditer(folded):
            if any(s <= match.start() < e for s, e in naming.spans):
                continue
            letters = _LETTER_CODE.fullmatch(match.group(1))
            body = (rf"{letters.group(1)}[\s-]?{letters.group(2)}" if letters
                    else r"\s*".join(re.escape(part) for part in match.group(1).split()))
            patterns.append(re.compile(rf"(?<![a-z0-9-]){body}(?![a-z0-9-])", re.IGNORECASE))
        return patterns

    def code_words(self, question: str) -> list[str]:
        """The question's words that may be a display code written without digits; not a product's name."""
        naming = self.named_in(question)
        return [m.group() for m in _CODE_WORD.finditer(_fold(question))
                if m.group() not in ENGLISH_STOP_WORDS and not any(s <= m.start() < e for s, e in naming.spans)]

    def masks(self) -> list[re.Pattern[str]]:
        """Patterns of every product name, model and alias: what differs between variants' shared text."""
        return [p for p, _, _, _ in self._patterns]


def quoted_messages(question: str) -> list[str]:
    """The messages a question quotes: the guide that lists a display's or a voice prompt's words says what
    they mean, where a search for the words finds any passage using them."""
    return [quoted.strip() for quoted in (m.group(1) for m in _QUOTED.finditer(question)) if quoted.strip()]


def message_pattern(message: str) -> re.Pattern[str]:
    """A quoted message as a guide may write it: in any case and spacing, not inside a longer word ("Auto" is
    not "automatic")."""
    words = r"\s*".join(map(re.escape, message.split()))
    return re.compile(rf"(?<![a-z0-9]){words}(?![a-z0-9])", re.IGNORECASE)


def lists_code(text: str, code: str | re.Pattern[str]) -> bool:
    """Whether a code table in `text` has a row for `code` (a word in any case, or a code's pattern)."""
    if isinstance(code, str):
        code = re.compile(re.escape(code), re.IGNORECASE)
    column = ""
    for line in text.splitlines():
        if not is_table_row(line):
            column = ""
            continue
        first = line.strip().strip("|").split("|", 1)[0].strip()
        if not column:
            column = first
        elif _CODE_COLUMN.search(column) and code.fullmatch(first):
            return True
    return False


def code_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9-]){re.escape(word)}(?![a-z0-9-])", re.IGNORECASE)


def product_of(doc: Document) -> str:
    """A passage's product; a guide without one stands for itself."""
    return str(doc.metadata.get("product") or doc.metadata.get("source") or "")


@dataclass(frozen=True)
class Clarify:
    """The reply that asks back: which of these products?"""

    question: str
    options: list[dict[str, str]]


_CLARIFY_TEXT = {
    "zh": "这个问题的答案因产品而异。请问您指的是哪一款：{options}？",
    "en": "The answer depends on the product. Which one do you mean: {options}?",
}
_OPTION_JOIN = {"zh": "、", "en": ", "}
_OR = {"zh": "还是", "en": " or "}


def clarify_reply(products: Sequence[str], language: str) -> Clarify:
    """The short question listing the products, in the question's language."""
    lang = "zh" if language == "zh" else "en"
    names = list(products)
    listed = _OPTION_JOIN[lang].join(names[:-1]) + _OR[lang] + names[-1] if len(names) > 1 else names[0]
    return Clarify(_CLARIFY_TEXT[lang].format(options=listed),
                   [{"product": name, "label": name} for name in names])


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def _containment(a: str, b: str) -> float:
    """Share of the shorter text's trigrams found in the longer: an added clause does not change a line's answer."""
    ta, tb = _trigrams(a), _trigrams(b)
    if not ta or not tb:
        return float(a == b)
    return len(ta & tb) / min(len(ta), len(tb))


def answer_lines(weights: Mapping[str, float], texts: Iterable[str], tokenize: Callable[[str], list[str]],
                 codes: Sequence[re.Pattern[str]] = (), count: int = ANSWER_LINES) -> tuple[list[str], float]:
    """The lines (sentences, table rows) of the passages holding the most weight of the question's terms,
    and the best line's share of that weight. A table row is scored with its table's header row, so
    "how often is the filter replaced" finds "Filter | Tap clean every week | Every 3 to 6 months"."""
    total = sum(weights.values())
    scored: dict[str, float] = {}
    for text in texts:
        header: set[str] = set()
        previous_row = False
        for line in _lines(text):
            row = "|" in line
            tokens = set(tokenize(line))
            if row and not previous_row:
                header = tokens
            previous_row = row
            if line not in scored:
                scored[line] = sum(weights.get(t, 0.0) for t in tokens | (header if row else set()))
                if any(code.search(line) for code in codes):
                    scored[line] += total  # the row of the error code asked about is the answer
    ranked = sorted(scored, key=lambda line: -scored[line])
    if not ranked:
        return [], 0.0
    best = scored[ranked[0]]
    share = min(1.0, best / total) if total > 0 else 0.0
    return [line for line in ranked[:count] if best > 0 and scored[line] >= best * NEAR_BEST_LINE] or ranked[:1], share


def _masked(text: str, masks: Sequence[re.Pattern[str]]) -> str:
    folded = _fold(text)
    for pattern in masks:
        folded = pattern.sub("\x00", folded)
    return _SPACE.sub("", folded)


def _alike(a: str, b: str) -> bool:
    return sorted(_NUMBER.findall(a)) == sorted(_NUMBER.findall(b)) and _containment(a, b) >= SAME_ANSWER_SIMILARITY


def same_answer(lead: Sequence[str], lead_text: str, other: Sequence[str], other_text: str,
                masks: Sequence[re.Pattern[str]]) -> bool:
    """Whether two products give the same answer: each one's answer-bearing lines have a counterpart,
    apart from product names and with the same numbers, somewhere in the other's passages (searches of
    identical manuals do not return their passages in the same order)."""
    lead_all = [_masked(line, masks) for line in _lines(lead_text)]
    other_all = [_masked(line, masks) for line in _lines(other_text)]
    return (all(any(_alike(_masked(x, masks), y) for y in other_all) for x in lead)
            and all(any(_alike(_masked(y, masks), x) for x in lead_all) for y in other))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in _LINE_SPLIT.split(text) if line.strip()]


@dataclass(frozen=True)
class Evidence:
    """One product's best passages for the question (a search scoped to it)."""

    product: str
    passages: list[Document]
    coverage: float

    @property
    def best(self) -> float:
        return max((float(d.metadata.get("score", 0.0)) for d in self.passages), default=0.0)


def contenders(passages: Sequence[Document], codes: Sequence[re.Pattern[str]] = ()) -> list[str]:
    """Products in the top passages whose best passage is nearly as similar as the overall best; for a
    question about an error code, the products whose passages list it (no other can answer it)."""
    coded = [product_of(doc) for doc in passages if any(code.search(doc.page_content) for code in codes)]
    if coded:
        return list(dict.fromkeys(coded))
    best: dict[str, float] = {}
    for doc in passages:
        product = product_of(doc)
        best[product] = max(best.get(product, 0.0), float(doc.metadata.get("score", 0.0)))
    top = max(best.values(), default=0.0)
    return [p for p, score in best.items() if score >= top - CLARIFY_SCORE_MARGIN]


@dataclass(frozen=True)
class Decision:
    """`ask`: the products to offer in a question back (empty: answer). `fits`: the products the
    answer is about, the first being the one whose passages it quotes."""

    ask: list[str]
    fits: list[str]


def products_to_ask(
    evidence: Sequence[Evidence],
    weights: Mapping[str, float],
    tokenize: Callable[[str], list[str]],
    masks: Sequence[re.Pattern[str]],
    codes: Sequence[re.Pattern[str]] = (),
) -> Decision:
    """Whether to ask back, and about which products; else which products the lead's answer fits.

    Each product's evidence comes from a search scoped to it. A product counts when its evidence is
    nearly as close to the question and covers nearly as much of it as the best product's; products
    whose answer-bearing lines match the leading product's give the same answer and need no question.
    """
    lead = [evidence[0].product] if evidence else []
    top_score = max((e.best for e in evidence), default=0.0)
    top_coverage = max((e.coverage for e in evidence), default=0.0)
    strong = [e for e in evidence
              if e.best >= top_score - CLARIFY_SCORE_MARGIN and e.coverage >= top_coverage * CONTENDER_SHARE]
    if len(strong) < 2:
        return Decision([], lead)
    lines = {e.product: answer_lines(weights, [d.page_content for d in e.passages], tokenize, codes) for e in strong}
    top_share = max(share for _, share in lines.values())
    strong = [e for e in strong if lines[e.product][1] >= top_share * CONTENDER_SHARE]
    if len(strong) < 2:
        return Decision([], lead)
    first = strong[0]
    texts = {e.product: "\n".join(d.page_content for d in e.passages) for e in strong}
    if top_share == 0:  # no line shares a term with the question (asked in another language): any line of
        # each product's best passage may answer it
        best = {e.product: max(e.passages, key=lambda d: float(d.metadata.get("score", 0.0))) for e in strong}
        lines = {product: (_lines(doc.page_content), 0.0) for product, doc in best.items()}
    alike = [e.product for e in strong[1:]
             if same_answer(lines[first.product][0], texts[first.product], lines[e.product][0], texts[e.product], masks)]
    differing = [e.product for e in strong[1:] if e.product not in alike]
    if differing:
        return Decision([first.product, *differing][:MAX_OPTIONS], [])
    return Decision([], [first.product, *alike])


PRODUCT_NOTE = {"zh": "（适用产品：{products}）", "en": "(Product: {products})"}


def product_note(products: Sequence[str], language: str) -> str:
    """The line that says which product(s) an answer is about."""
    lang = "zh" if language == "zh" else "en"
    return PRODUCT_NOTE[lang].format(products=_OPTION_JOIN[lang].join(products))


def products_in_history(history: Sequence[Mapping[str, str]], catalog: Catalog) -> list[str]:
    """The products the conversation last settled on: the latest message naming one or more by name
    or model (the user's earlier question, a choice after asking back, or an answer's product note)."""
    for message in reversed(history):
        named = catalog.named_in(str(message.get("content", ""))).products
        if named:
            return named
    return []


def choice_after_clarify(
    message: str, history: Sequence[Mapping[str, str]], catalog: Catalog
) -> tuple[str, str] | None:
    """(the original question, the product) when the message answers a question back by naming one of
    the products it offered and little else; None for any other message."""
    if len(history) < 2 or history[-1].get("role") != "assistant" or history[-2].get("role") != "user":
        return None
    naming = catalog.named_in(message)
    offered = catalog.named_in(str(history[-1].get("content", ""))).products
    if len(naming.products) != 1 or naming.products[0] not in offered or len(offered) < 2:
        return None
    folded = _fold(message)
    rest = "".join(ch for i, ch in enumerate(folded) if not any(s <= i < e for s, e in naming.spans))
    if text_size(rest) > CHOICE_EXTRA_WORDS:
        return None
    return str(history[-2].get("content", "")), naming.products[0]
