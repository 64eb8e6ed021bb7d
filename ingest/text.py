"""The one text toolkit: scripts, language, sentences, citations and terms, for Chinese and English.

Everything that asks "what is a term", "where does a sentence end" or "is this Chinese" asks here:
the keyword index, the relevance gate, the extractive answers, the highlighting and the chunker.
It lives in `ingest` (the lowest layer) so that `rag_app` can use it without `ingest` importing
`rag_app`.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from typing import TYPE_CHECKING, Literal

import jieba
import Stemmer

if TYPE_CHECKING:
    from jieba.posseg import POSTokenizer

Language = Literal["zh", "en"]

# Han, kana, CJK punctuation and full-width forms: text in these scripts is written without spaces.
CJK_RANGES = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # ideographs only
CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
HAN = re.compile(f"[{HAN_RANGES}]")
HAN_RUN = re.compile(f"[{HAN_RANGES}]+")
LATIN_WORD = re.compile(r"[A-Za-z]+")  # for weighing scripts against each other
# A word in the language's sense: "Wi-Fi" is one, the letters of a model or code ("LF-3", "R7", "PM2.5") none.
_LANGUAGE_WORD = re.compile(r"(?<![\w.+-])[A-Za-z]+(?:-[A-Za-z]+)*(?![\w.+-])")
WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")  # a Latin-script word as a reader sees it

# A citation marker in an answer: [1] .. [999].
CITATION = re.compile(r"\[(\d{1,3})\]")

# Punctuation that ends a sentence (or a clause a heading never ends with), in either script.
SENTENCE_PUNCTUATION = tuple(".。!！?？;；,，:：")
SENTENCE_FINAL = tuple(".。!！?？:：")
# A line that ends like this is prose, not a heading cut short.
ENDS_SENTENCE = re.compile(r"[。！？；!?.:：;]$")

# Where the chunker may cut: ". ! ?" followed by space (not after e.g./i.e./No./Fig.), Chinese 。！？；
# with any closing quotes or brackets, and line breaks.
SENTENCE_BOUNDARY = re.compile(
    r"(?<!\be\.g)(?<!\bi\.e)(?<!\bNo)(?<!\bFig)[.!?]+[\"'”’)\]]*\s+|[。！？；]+[”’」』）)]*\s*|\n+"
)
CLAUSE_BOUNDARY = re.compile(r"[,;:]\s+|[，、：:]\s*")
WORD_BOUNDARY = re.compile(rf"[{CJK_RANGES}]\s*|\s+")  # each CJK character is a word

# Where a quoted answer splits a line into sentences: after CJK or strong punctuation; after a period
# that does not end a step number ("1.") when a new sentence follows; before a step marker in a line.
SENTENCE_SPLIT = re.compile(
    r"(?<=[。！？；!?])\s*"
    rf"|(?<=[^\s\d]\.)\s+(?=[A-Z0-9\"“‘(\[{HAN_RANGES}])"
    r"|\s+(?=\d{1,2}[.)]\s)"
    r"|(?=（\d{1,2}）|[①-⑳]|第[一二三四五六七八九十\d]+步)"
)

# A numbered step at the start of a line: "1.", "2)", "3、", "(4)", "（5）", "Step 6", "第七步", "⑧".
STEP_MARKER = re.compile(
    r"^(?:(?i:step)\s*(\d{1,2})\b|(\d{1,2})\s*[.)、．](?!\d)|[（(](\d{1,2})[）)]|第([一二三四五六七八九十\d]+)步|([①-⑳]))"
)
BULLET = re.compile(r"^[-•*·▪●◦–]\s+")
# The words of a question that ask for a quantity ("how often", "多久", "换一次"): what it asks, not what about,
# and a passage that happens to hold them ("再重新操作一次") is none the closer to the answer.
ASKED_QUANTITY = re.compile(r"(?i)(?<=\bhow\s)\s*(?:often|long|much|many)\b|多长时间|多少时间|多久|多长|一次(?=\W|$)")
# A line that is a table row as the loaders render it: cells joined by " | ".
TABLE_ROW = re.compile(r"\S\s\|\s\S|^\|.*\|$")
# A line that is only a page number: "3", "- 3 -", "Page 3 of 20", "3 / 20", "第 3 页", "iv".
PAGE_NUMBER = re.compile(
    r"""^(?:
        (?:page|p\.?)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?     # Page 3, Page 3 of 20, p. 3
      | [-–—]?\s*\d{1,4}\s*[-–—]?                             # 3, - 3 -
      | \d{1,4}\s*/\s*\d{1,4}                                 # 3 / 20
      | (?:共\s*\d{1,4}\s*页\s*[,，]?\s*)?第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?  # 第 3 页
      | (?=[ivx])x{0,2}(?:ix|iv|v?i{0,3})                     # roman front-matter numbers
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# A page number a converter left inside running text: "... the cap. - 160 - Then ...".
INLINE_PAGE_NUMBER = re.compile(r"(?:^|\s)[-–—]\s?\d{1,4}\s?[-–—](?=\s|$)")
# "Storage location: Select a memory location." - an option a manual lists inside a paragraph.
OPTION_ITEM = re.compile(r"^[^\s:：。，,.]{1,16}(?:\s[^\s:：。，,.]{1,16}){0,4}\s?[:：]\s*\S")
# Inside a quoted line: before a step marker, and after a colon that opens an option ("options: Wi-Fi: ...").
_STEP_SPLIT = re.compile(
    r"\s+(?=\d{1,2}[.)]\s)|(?<=[。；！？])\s*(?=\d{1,2}[.)、．](?!\d))|(?=（\d{1,2}）|[①-⑳]|第[一二三四五六七八九十\d]+步)")
_OPTION_SPLIT = re.compile(r"(?<=[:：])\s+(?=[A-Z][^:：.。]{0,40}[:：]\s)")
_ZH_NUMERALS = "一二三四五六七八九十"

_ASCII_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
_IDENTIFIER = re.compile(r"(?=[a-z0-9.-]*[a-z])(?=[a-z0-9.-]*\d)[a-z0-9.-]+")
_ANY_WORD = re.compile(r"\w+|[^\w\s]")
_WORD_HYPHEN = re.compile(r"(?<=[a-z])-|-(?=[a-z])")  # "F-03", "Wi-Fi"; not the range "5-10"

ENGLISH_STOP_WORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he
    her here hers him his how i if in into is it its itself just me more most my no nor not now of off
    on once only or other our ours out over own same she should so some such than that the their theirs
    them then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours my i'm it's don't can't should""".split()  # noqa: SIM905 (a word list reads better as text)
)
CHINESE_STOP_WORDS = frozenset(
    """的 了 是 在 和 与 或 及 就 都 也 而 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 吗 呢 吧 啊 呀 么 怎么 怎样 如何 什么 为什么 哪 哪些 能 会 可以 要 应该 需要
    有 没有 一个 上 中 下 对 把 被 让 给 请 时 后 前 还 又 再 很 太 多 少 个 之 其 该 于 以 为 从 到 等 ， 。 ？ ！ ； ： 、""".split()  # noqa: SIM905
)


def detect_language(text: str) -> Language:
    """Chinese when Han characters weigh at least as much as Latin words (about two characters a word);
    a model or code is no word of either ("LF-3 Pro 有多重？" is Chinese).

    So "如何清洁 HEPA filter" is Chinese, "How do I clean the 滤网?" is English.
    """
    han = len(HAN.findall(text))
    return "zh" if han and han / 2 >= len(_LANGUAGE_WORD.findall(text)) else "en"


QuestionKind = Literal["how", "value", "other"]

# "How do I ...", "怎么清洗": the asker wants a procedure. "How long", "多少": one value or setting ("用了几个月"
# says for a few months: no value asked).
_ASKS_VALUE = re.compile(
    r"(?i)\bhow\s+(?:often|long|much|many|far|big|heavy|hot|cold|warm|old|soon)\b"
    r"|\bwhat\s+(?:size|temperature|length|weight|capacity|type|kind)\b|\bwhat(?:\s+is|\s+are|'s)\s+the\b|\bwhich\b"
    r"|多少|多久|多长|多大|多重|多高|多远|(?<!了)几|哪|什么时候|什么意思|是什么"
)
_ASKS_HOW = re.compile(
    r"(?i)\bhow\s+(?:do|can|could|should|would|to|does|is|are)\b|\b(?:steps?|procedure|instructions?)\b"
    r"|\bwhat\s+(?:should|do|can)\s+i\s+do\b|\bfix\b|怎么(?!回事)|如何|怎样|步骤|方法|咋"
)


def question_kind(question: str) -> QuestionKind:
    """What the question asks for: a procedure ("how"), one value or setting ("value"), or a fact,
    a yes or no, a reason ("other"); a value asked about wins over "how" ("how do I know how long")."""
    if _ASKS_VALUE.search(question):
        return "value"
    if _ASKS_HOW.search(question):
        return "how"
    return "other"


_ASKS_YES_NO = re.compile(
    r"(?i)(?:^|[,，.。;；?？!！]\s*)(?:can|could|may|should|shall|must|is|are|do|does|will|would)\s+"
    r"(?:i|we|you|it|they|my|the|this|these|that|a|an)\b"
    r"|吗(?=\s|[?？!！。，,；;]|$)|能不能|可不可以|要不要|是不是|是否|行不行|可否"
)


def asks_yes_no(question: str) -> bool:
    """"能使劲拧干吗", "Can I rinse the filter?": the asker wants to know whether, not how or how much."""
    return bool(_ASKS_YES_NO.search(question.strip()))


def text_size(text: str) -> float:
    """Length in words, a Han character counting half: how long a question "feels" in either script."""
    return len(HAN.findall(text)) / 2 + len(LATIN_WORD.findall(text))


def is_identifier(term: str) -> bool:
    """A term of letters and digits together ("e21", "f03", "lf-2"): an error code or a model number,
    which names exactly one thing where a common word names many."""
    return bool(_IDENTIFIER.fullmatch(term))


def estimate_tokens(text: str) -> int:
    """Rough token count where the model's tokenizer is not at hand: a CJK character ~ 1, a word ~ 1.3."""
    cjk = len(CJK_CHAR.findall(text))
    return cjk + math.ceil(1.3 * len(_ANY_WORD.findall(CJK_CHAR.sub(" ", text))))


class Tokenizer:
    """Terms: jieba words for Chinese runs; lower-cased, stop-word-free, Snowball-stemmed words otherwise.

    A hyphen next to a letter is dropped ("F-03", "E-21", "LF-2", "Wi-Fi" -> "f03", "e21", "lf2", "wifi"):
    manuals and customers write the same code or word both ways. Safe from several threads (jieba's lazy
    dictionary load and a Stemmer are not).
    """

    # Raise when the same text tokenizes differently: stored keyword indexes are then rebuilt.
    VERSION = 3

    def __init__(self) -> None:
        jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not the user's business
        self._jieba = jieba.Tokenizer()
        self._tagger: POSTokenizer | None = None
        self._stemmer = Stemmer.Stemmer("english")
        self._lock = threading.Lock()

    def __call__(self, text: str) -> list[str]:
        tokens: list[str] = []
        position = 0
        lowered = text.lower()
        for match in HAN_RUN.finditer(lowered):
            tokens.extend(self._latin(lowered[position : match.start()]))
            tokens.extend(self._chinese(match.group()))
            position = match.end()
        tokens.extend(self._latin(lowered[position:]))
        return tokens

    def terms(self, text: str) -> frozenset[str]:
        """The distinct terms of `text`."""
        return frozenset(self(text))

    def nouns(self, text: str) -> list[str]:
        """The Chinese nouns of `text` in order (jieba's part-of-speech tags; stop words left out)."""
        nouns: list[str] = []
        for match in HAN_RUN.finditer(text.lower()):
            with self._lock:
                if self._tagger is None:
                    import jieba.posseg  # its tables take ~0.5 s to load: only once a question needs them

                    self._tagger = jieba.posseg.POSTokenizer(self._jieba)
                tagged = self._tagger.lcut(match.group())
            nouns += [p.word for p in tagged if p.flag.startswith("n") and p.word not in CHINESE_STOP_WORDS]
        return nouns

    def _latin(self, text: str) -> list[str]:
        words = [_WORD_HYPHEN.sub("", w)
                 for w in _ASCII_WORD.findall(text) if w not in ENGLISH_STOP_WORDS]
        if not words:
            return []
        with self._lock:
            return self._stemmer.stemWords(words)

    def _chinese(self, run: str) -> list[str]:
        with self._lock:
            words = self._jieba.lcut_for_search(run)
        return [w for w in words if w.strip() and w not in CHINESE_STOP_WORDS]


def split_sentences(line: str, steps_only: bool = False) -> list[str]:
    """A line's sentences for quoting (or, with `steps_only`, just its inline steps), stripped."""
    pieces = _STEP_SPLIT.split(line) if steps_only else [
        part for piece in SENTENCE_SPLIT.split(line) for part in _OPTION_SPLIT.split(piece or "")]
    return [p.strip() for p in pieces if p and p.strip()]


def step_number(text: str) -> int | None:
    """The number of the step a line starts with ("3." -> 3, "第三步" -> 3, "③" -> 3), or None."""
    match = STEP_MARKER.match(text)
    if match is None:
        return None
    number = next(group for group in match.groups() if group)
    if number.isdecimal():  # not isdigit(): "⑦" is a digit that int() cannot read
        return int(number)
    if number in _ZH_NUMERALS:
        return _ZH_NUMERALS.index(number) + 1
    if "①" <= number <= "⑳":
        return ord(number) - ord("①") + 1
    return None


def is_bullet_line(text: str) -> bool:
    return bool(BULLET.match(text))


def strip_bullet(text: str) -> str:
    return BULLET.sub("", text, count=1)


def is_option_item(text: str) -> bool:
    return bool(OPTION_ITEM.match(text))


def is_table_row(text: str) -> bool:
    return bool(TABLE_ROW.search(text))


def is_page_number(line: str) -> bool:
    """A line that is only a page number (page furniture, never content)."""
    return bool(PAGE_NUMBER.match(line.strip()))


def drop_page_numbers(text: str) -> str:
    """Text without the page numbers a converter left inside it ("- 160 -")."""
    return INLINE_PAGE_NUMBER.sub("", text).strip()
