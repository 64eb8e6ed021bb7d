"""Split a loaded document into chunks sized for the embedding model.

A chunk never spans two sections, never exceeds max_tokens, and never cuts a step run, a callout
or a table unless that piece alone is too big. Token counts are taken once per block (and once per
sentence of the few blocks that must be split) and summed, because the tokenizer call is the cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from ingest.clean import MAX_HEADING_CHARS, is_callout_label, is_page_number_line
from ingest.document import Block, BlockKind, Chunk, ParsedDocument
from ingest.text import CLAUSE_BOUNDARY, SENTENCE_BOUNDARY, WORD_BOUNDARY

# Raise when a change makes the same file chunk differently: ingest then re-chunks unchanged files.
CHUNKER_VERSION = 5
TINY_FRACTION = 5  # a trailing chunk under max_tokens / TINY_FRACTION joins the one before it

_PROBE = "the"
_SPLIT_LEVELS = (SENTENCE_BOUNDARY, CLAUSE_BOUNDARY, WORD_BOUNDARY)  # then single characters
_NOT_A_TITLE = re.compile(r"^[\d\s.,:;/|()\-–—_#*]*$")

TokenCounter = Callable[[str], int]


@dataclass
class _Piece:
    """Text that goes into a chunk whole. `sep` goes before it when it follows another piece:
    "\\n" between blocks, "" between sentences of one block (their spacing is in `text`)."""

    text: str
    tokens: int
    page: int | None
    kind: BlockKind
    sep: str = "\n"
    exact: bool = True  # tokens were counted on this very text, not summed from its parts


@dataclass
class _Unit:
    """Pieces kept in one chunk when they fit; `children` is how to break it up when they don't
    (none: split its pieces' text)."""

    pieces: list[_Piece]
    children: list[_Unit] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return sum(piece.tokens for piece in self.pieces)


@dataclass
class _Draft:
    """A chunk being filled, with its running token total (summing it afresh on every placement
    would make long sections quadratic)."""

    pieces: list[_Piece] = field(default_factory=list)
    overlap: int = 0  # how many leading pieces repeat the end of the previous chunk
    tokens: int = 0

    def add(self, pieces: list[_Piece]) -> None:
        self.pieces.extend(pieces)
        self.tokens += sum(piece.tokens for piece in pieces)


def chunk_document(
    doc: ParsedDocument,
    count_tokens: TokenCounter,
    max_tokens: int,
    overlap_tokens: int,
    match_tokens: int = 0,
) -> list[Chunk]:
    """Chunks of `doc` in document order, each at most max_tokens by `count_tokens`. The text
    excludes the section path (the caller prefixes it for embedding).

    With `match_tokens` (below max_tokens), a chunk longer than that is stored as smaller chunks
    to match on, each carrying the whole chunk as its `passage`: a small embedding model places a
    short text far more precisely than a long one, while a reader needs the step list or paragraph
    around the matched sentences. The small chunks overlap by overlap_tokens, at most half their size.
    """
    if not 0 <= overlap_tokens < max_tokens:
        raise ValueError(f"need 0 <= overlap_tokens < max_tokens, got {overlap_tokens} and {max_tokens}")
    sizer = _Sizer(count_tokens, max_tokens)
    matcher = _Sizer(count_tokens, match_tokens) if 0 < match_tokens < max_tokens else None
    chunks: list[Chunk] = []
    for section, blocks in _sections(doc.blocks):
        drafts = _pack(_units(blocks, sizer), sizer, overlap_tokens)
        for draft in drafts:
            for pieces in sizer.enforce(draft.pieces):
                passage = _join(pieces)
                parts = _match_parts(pieces, matcher, overlap_tokens) if matcher else [pieces]
                for part in parts:
                    text = passage if len(parts) == 1 else _join(part)
                    chunks.append(Chunk(doc.source, text, section, part[0].page, len(chunks),
                                        passage=passage if text != passage else ""))
    return chunks


def _match_parts(pieces: list[_Piece], matcher: _Sizer, overlap_tokens: int) -> list[list[_Piece]]:
    """One chunk's pieces regrouped into overlapping parts of at most the matcher's size."""
    if sum(piece.tokens for piece in pieces) <= matcher.budget:
        return [pieces]
    overlap = min(overlap_tokens, matcher.max_tokens // 2)
    drafts = _pack([_Unit([piece]) for piece in pieces], matcher, overlap)
    return [part for draft in drafts for part in matcher.enforce(draft.pieces)]


class _Sizer:
    """Token costs without the counter's fixed per-call overhead ([CLS], prefix, [SEP]), so that
    the costs of pieces add up to the cost of their concatenation."""

    def __init__(self, count_tokens: TokenCounter, max_tokens: int) -> None:
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        # The overhead is what one text costs beyond its own tokens; "" alone can cost more than
        # that (a SentencePiece tokenizer still emits its word-start marker), hence the probe.
        probe = count_tokens(_PROBE)
        self.overhead = max(min(count_tokens(""), 2 * probe - count_tokens(f"{_PROBE}\n{_PROBE}")), 0)
        self.budget = max_tokens - self.overhead
        if self.budget <= 0:
            raise ValueError(f"max_tokens={max_tokens} leaves no room beside the counter's overhead")

    def cost(self, text: str) -> int:
        return max(self.count_tokens(text) - self.overhead, 0)

    def split(self, piece: _Piece, budget: int) -> list[_Piece]:
        """Break one piece into pieces of at most `budget`: a table between rows (header row
        repeated), text at sentence ends, then clause ends, then words, then characters."""
        if piece.kind is BlockKind.TABLE and "\n" in piece.text:
            return self._split_table(piece, budget)
        parts = self._split_text(piece.text, budget)
        return [_Piece(text, tokens, piece.page, piece.kind, piece.sep if i == 0 else "")
                for i, (text, tokens) in enumerate(parts)]

    def _split_text(self, text: str, budget: int, depth: int = 0) -> list[tuple[str, int]]:
        if depth == len(_SPLIT_LEVELS):
            groups = _merge_spans([(char, self.cost(char)) for char in text], budget)
            return [(group, self.cost(group)) for group, _ in groups]  # per-character sums overestimate
        out: list[tuple[str, int]] = []
        for span in _spans(text, _SPLIT_LEVELS[depth]):
            tokens = self.cost(span)
            out.extend([(span, tokens)] if tokens <= budget else self._split_text(span, budget, depth + 1))
        return out

    def _split_table(self, piece: _Piece, budget: int) -> list[_Piece]:
        header, *rows = piece.text.split("\n")
        header_tokens = self.cost(header)
        if header_tokens * 2 > budget:  # repeating so big a header would leave little room for rows
            as_text = _Piece(piece.text, piece.tokens, piece.page, BlockKind.PARAGRAPH, piece.sep)
            return self.split(as_text, budget)
        out: list[_Piece] = []
        lines: list[str] = []
        tokens = header_tokens

        def close() -> None:
            nonlocal lines, tokens
            if lines:
                out.append(_Piece("\n".join([header, *lines]), tokens, piece.page, piece.kind, exact=False))
            lines, tokens = [], header_tokens

        for row in rows:
            row_tokens = self.cost(row)
            if header_tokens + row_tokens > budget:  # a row too big even alone: split it as text
                close()
                out.extend(self.split(_Piece(row, row_tokens, piece.page, BlockKind.PARAGRAPH), budget))
                continue
            if tokens + row_tokens > budget:
                close()
            lines.append(row)
            tokens += row_tokens
        close()
        out[0].sep = piece.sep
        return out

    def sentences_from_end(self, piece: _Piece) -> Iterator[tuple[str, int, bool]]:
        """A piece's sentences, last first, with their costs (counted only as far as the caller
        reads) and whether each is the piece's first."""
        spans = _spans(piece.text, SENTENCE_BOUNDARY)
        if len(spans) == 1:
            yield piece.text, piece.tokens, True
            return
        for n in range(len(spans) - 1, -1, -1):
            yield spans[n], self.cost(spans[n]), n == 0

    def enforce(self, pieces: list[_Piece]) -> list[list[_Piece]]:
        """Check a finished chunk against the real counter once: summed costs can be off by a
        token where texts join, so an over-long chunk is halved (or its piece re-split) until it fits."""
        if len(pieces) == 1 and pieces[0].exact:
            return [pieces]
        real = self.count_tokens(_join(pieces))
        if real <= self.max_tokens:
            return [pieces]
        if len(pieces) > 1:
            middle = len(pieces) // 2
            return self.enforce(pieces[:middle]) + self.enforce(pieces[middle:])
        parts = self.split(pieces[0], max(pieces[0].tokens - (real - self.max_tokens), 1))
        return [pieces] if len(parts) == 1 else [chunk for part in parts for chunk in self.enforce([part])]


def _spans(text: str, boundary: re.Pattern[str]) -> list[str]:
    """Split text after each boundary match, keeping every character (spacing stays with the
    span before it), so joining the spans gives the text back."""
    spans, start = [], 0
    for match in boundary.finditer(text):
        if match.end() > start and text[start:match.end()].strip():
            spans.append(text[start:match.end()])
            start = match.end()
    if text[start:].strip():
        spans.append(text[start:])
    elif spans:
        spans[-1] += text[start:]
    return spans


def _merge_spans(spans: list[tuple[str, int]], budget: int) -> list[tuple[str, int]]:
    """Characters cut from one over-long word, regrouped into as few pieces as fit the budget."""
    out: list[tuple[str, int]] = []
    for text, tokens in spans:
        if out and out[-1][1] + tokens <= budget:
            out[-1] = (out[-1][0] + text, out[-1][1] + tokens)
        else:
            out.append((text, tokens))
    return out


def _join(pieces: Sequence[_Piece]) -> str:
    text = ""
    for piece in pieces:
        text = text.rstrip() + piece.sep + piece.text if text and piece.sep else text + piece.text
    return text.strip()


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def _sections(blocks: Sequence[Block]) -> list[tuple[str, list[Block]]]:
    """(heading path, content blocks) per section, skipping what converted manuals get wrong:
    headings repeated on every page, callout labels styled as headings (kept as a label on the
    content after them), number-only headings, and over-long "headings" (really paragraphs)."""
    sections: list[tuple[str, list[Block]]] = []
    stack: list[tuple[int, str]] = []
    content: list[Block] = []
    for block in blocks:
        text = block.text.strip()
        if block.kind is BlockKind.HEADING:
            if _NOT_A_TITLE.match(text) or is_page_number_line(text):
                continue
            if is_callout_label(text):
                content.append(Block(BlockKind.WARNING, text, page=block.page))
                continue
            if len(text) > MAX_HEADING_CHARS:
                block = Block(BlockKind.PARAGRAPH, text, page=block.page)
            elif any(_squash(title) == _squash(text) and block.level <= level for level, title in stack):
                continue
            else:
                if content:
                    sections.append((" > ".join(title for _, title in stack), content))
                    content = []
                while stack and stack[-1][0] >= block.level:
                    stack.pop()
                stack.append((block.level, text))
                continue
        content.append(block)
    if content:
        sections.append((" > ".join(title for _, title in stack), content))
    return sections


def _binds(block: Block, following: Block, after: Block | None) -> bool:
    """Whether `following` must share a chunk with `block`: a bare callout label goes with what it
    introduces, a callout with the step after it, and a trailing callout with the step before it."""
    if block.kind is BlockKind.WARNING:
        return is_callout_label(block.text) or following.kind is BlockKind.STEP
    return (
        block.kind is BlockKind.STEP
        and following.kind is BlockKind.WARNING
        and not is_callout_label(following.text)
        and (after is None or after.kind is not BlockKind.STEP)
    )


def _units(blocks: list[Block], sizer: _Sizer) -> list[_Unit]:
    """Blocks grouped into units: bound blocks into bundles, and consecutive bundles holding steps
    into one step-run unit that breaks into its bundles only when the whole run is too big."""
    bundles: list[list[Block]] = []
    i = 0
    while i < len(blocks):
        bundle = [blocks[i]]
        i += 1
        while i < len(blocks) and _binds(bundle[-1], blocks[i], (blocks[i + 1:] or [None])[0]):
            bundle.append(blocks[i])
            i += 1
        bare_label = bundle[0].kind is BlockKind.WARNING and is_callout_label(bundle[0].text)
        if not (len(bundle) == 1 and bare_label):
            bundles.append(bundle)  # a bare label with nothing after it is dropped

    units: list[_Unit] = []
    run: list[_Unit] = []
    for bundle in bundles:
        pieces = [_Piece(b.text, sizer.cost(b.text), b.page, b.kind) for b in bundle]
        unit = _Unit(pieces, [_Unit([piece]) for piece in pieces] if len(pieces) > 1 else [])
        if any(b.kind is BlockKind.STEP for b in bundle):
            run.append(unit)
            continue
        if run:
            units.append(_run_unit(run))
            run = []
        units.append(unit)
    if run:
        units.append(_run_unit(run))
    return units


def _run_unit(run: list[_Unit]) -> _Unit:
    return run[0] if len(run) == 1 else _Unit([p for unit in run for p in unit.pieces], run)


def _pack(units: list[_Unit], sizer: _Sizer, overlap_tokens: int) -> list[_Draft]:
    """Greedy packing of one section's units into drafts of at most the budget; a unit that does
    not fit the current draft starts the next one (which opens with an overlap of the previous
    draft's last sentences), and a unit bigger than a whole draft is broken up."""
    budget = sizer.budget
    drafts = [_Draft()]

    def place(unit: _Unit) -> None:
        current = drafts[-1]
        if unit.tokens <= budget - current.tokens:
            current.add(unit.pieces)
        elif unit.tokens > budget:  # it must be broken up anyway, so its parts fill this draft first
            for child in unit.children or [_Unit([piece]) for piece in _split_unit(unit, sizer, budget)]:
                place(child)
        else:
            overlap = _overlap(current, sizer, overlap_tokens)
            while overlap and sum(piece.tokens for piece in overlap) + unit.tokens > budget:
                overlap.pop(0)
            drafts.append(_Draft(overlap=len(overlap)))
            drafts[-1].add([*overlap, *unit.pieces])

    for unit in units:
        place(unit)
    drafts = [draft for draft in drafts if len(draft.pieces) > draft.overlap]
    if len(drafts) > 1:
        tail = drafts[-1].pieces[drafts[-1].overlap:]
        tail_tokens = sum(piece.tokens for piece in tail)
        if tail_tokens * TINY_FRACTION < sizer.max_tokens and drafts[-2].tokens + tail_tokens <= budget:
            drafts[-2].add(tail)
            drafts.pop()
    return drafts


def _split_unit(unit: _Unit, sizer: _Sizer, budget: int) -> list[_Piece]:
    return [part for piece in unit.pieces for part in
            (sizer.split(piece, budget) if piece.tokens > budget else [piece])]


def _overlap(draft: _Draft, sizer: _Sizer, overlap_tokens: int) -> list[_Piece]:
    """The last sentences of a draft, up to overlap_tokens, as pieces to open the next draft
    (tables are not repeated: a row without its header says little)."""
    taken: list[_Piece] = []
    total = 0
    for piece in reversed(draft.pieces[draft.overlap:]):
        if piece.kind is BlockKind.TABLE:
            break
        for text, tokens, is_first in sizer.sentences_from_end(piece):
            if total + tokens > overlap_tokens:
                return taken
            taken.insert(0, _Piece(text, tokens, piece.page, piece.kind, piece.sep if is_first else ""))
            total += tokens
    return taken
