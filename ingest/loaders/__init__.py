"""Turn a guide file (.md .txt .pdf .docx .html) into a ParsedDocument of typed blocks.

Each format has one loader returning raw blocks; load_document cleans them the same way for all
formats and wraps every failure in a LoadError that names the file and says why."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.clean import (
    callout_box,
    clean_text,
    join_lines,
    looks_split,
    rejoin_cjk,
    remove_furniture,
    remove_toc,
    starts_with_callout,
)
from ingest.document import Block, BlockKind, LoadError, ParsedDocument
from ingest.loaders.docx import load_docx
from ingest.loaders.html import load_html
from ingest.loaders.markdown import load_markdown
from ingest.loaders.pdf import load_pdf
from ingest.loaders.plain import load_text

SUPPORTED_SUFFIXES = frozenset({".md", ".txt", ".pdf", ".docx", ".html", ".htm"})


def load_document(path: Path, source: str) -> ParsedDocument:
    """Load one guide; raise LoadError naming the file and the reason when it cannot be read."""
    name = source if source.endswith(path.name) else f"{source} ({path.name})"
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise LoadError(f"{name}: unsupported file type {path.suffix or '(none)'!r}; supported: {supported}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"{name}: cannot read the file ({exc.strerror or exc})") from exc
    if size == 0:
        raise LoadError(f"{name}: the file is empty")
    try:
        blocks = _finish(loader(path), converted=path.suffix.lower() == ".pdf")
    except LoadError as exc:
        raise LoadError(f"{name}: {exc}") from exc
    except Exception as exc:  # any parser failure on a malformed file must surface as a LoadError
        reason = f"{type(exc).__name__}: {exc}"
        raise LoadError(f"{name}: corrupt or not a valid {path.suffix.lower()} file ({reason})") from exc
    if not any(block.kind is not BlockKind.HEADING for block in blocks):
        raise LoadError(f"{name}: no text found in the file")
    return ParsedDocument(source=source, blocks=blocks)


def _finish(blocks: list[Block], converted: bool) -> list[Block]:
    """Clean every block's text, drop empty ones, tables of contents and page furniture, and mark
    callouts (a paragraph opening with a label, or a box a converter wrote as a one-row table). Chinese
    that a converter split with spaces is rejoined in PDFs, and in any file that looks converted."""
    rejoin = converted or looks_split(block.text for block in blocks)
    out: list[Block] = []
    for block in blocks:
        text = clean_text(rejoin_cjk(block.text) if rejoin else block.text)
        if block.kind is BlockKind.HEADING:
            text = join_lines(text.split("\n"))
        if not text:
            continue
        kind = block.kind
        if kind is BlockKind.PARAGRAPH and starts_with_callout(text):
            kind = BlockKind.WARNING
        elif kind is BlockKind.TABLE and (callout := callout_box(text)):
            kind, text = BlockKind.WARNING, callout
        out.append(Block(kind, text, block.level, block.page))
    return remove_furniture(remove_toc(out))


_LOADERS: dict[str, Callable[[Path], list[Block]]] = {
    ".md": load_markdown,
    ".txt": load_text,
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".html": load_html,
    ".htm": load_html,
}
