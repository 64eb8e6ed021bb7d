"""Ingest: files -> chunks -> vectors -> Chroma + keyword index, incrementally and crash-safely.

Parsing the next file and writing the previous batch overlap with embedding, which is the slow part;
embedding batches are filled across files.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ingest.chunking import CHUNKER_VERSION, chunk_document
from ingest.document import BlockKind, Chunk, LoadError, ParsedDocument, index_text
from ingest.loaders import SUPPORTED_SUFFIXES, load_document
from ingest.manifest import FileRecord, Manifest, file_hash
from ingest.metadata import METADATA_KEYS, GuideMetadata, resolve
from ingest.text import detect_language
from rag_app.embeddings import GuideEmbeddings
from rag_app.keyword import KeywordIndex
from rag_app.store import PASSAGE_KEY, GuideStore, StoredChunk, chunk_id, content_hash

SECTION_TOKEN_RESERVE = 64
PARSE_AHEAD = 2
# Chunks handed to the engine at once, in embedding batches: engines sort a call's texts by length
# before batching, so a wider call pads less (MiniLM ingest: +25% under torch, +15% under ONNX).
EMBED_WINDOW_BATCHES = 4


@dataclass
class IngestReport:
    files_seen: int = 0
    files_ingested: int = 0
    files_skipped: int = 0
    files_failed: int = 0
    chunks_added: int = 0
    chunks_deleted: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, float | int]:
        """The `--json` object of docs/contracts.md."""
        data = asdict(self)
        data.pop("errors")
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass(frozen=True)
class SourceFile:
    path: Path
    source: str  # path relative to the ingested root, posix style; the file name for a single file


@dataclass
class _Prepared:
    file: SourceFile
    digest: str
    chunks: list[StoredChunk] | None = None
    index_texts: list[str] = field(default_factory=list)
    error: str | None = None
    metadata: GuideMetadata | None = None  # with chunks None: unchanged text, changed tags
    title: str = ""
    language: str = ""


def discover(roots: Sequence[Path]) -> list[SourceFile]:
    """Supported files under the roots (folders recursively), each with its `source` name."""
    found: dict[str, SourceFile] = {}
    for root in roots:
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                if path.suffix.lower() in SUPPORTED_SUFFIXES and not _hidden(path.relative_to(root)):
                    source = path.relative_to(root).as_posix()
                    found[source] = SourceFile(path, source)
        else:
            found[root.name] = SourceFile(root, root.name)
    return list(found.values())


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def to_stored(chunks: Iterable[Chunk], tags: GuideMetadata | None = None) -> list[StoredChunk]:
    """Chunk -> store record with docs/contracts.md's metadata and the guide's product tags; exact repeats
    within a file are dropped."""
    stored: dict[str, StoredChunk] = {}
    for chunk in chunks:
        cid = chunk_id(chunk.source, chunk.section, chunk.text)
        if cid in stored:
            continue
        metadata: dict[str, str | int] = {
            "source": chunk.source,
            "section": chunk.section,
            "chunk_index": chunk.chunk_index,
            "content_hash": content_hash(chunk.text),
        }
        if chunk.page is not None:
            metadata["page"] = chunk.page
        if tags is not None:
            metadata.update(tags.chunk_fields())
        if chunk.passage:
            metadata[PASSAGE_KEY] = chunk.passage
        stored[cid] = StoredChunk(id=cid, text=chunk.text, metadata=metadata)
    return list(stored.values())


class Ingestor:
    """Brings a store, its keyword index and the manifest in line with a set of files."""

    def __init__(
        self,
        store: GuideStore,
        embeddings: GuideEmbeddings,
        keyword: KeywordIndex,
        manifest: Manifest,
        max_tokens: int,
        overlap_tokens: int,
        batch_size: int = 32,
        product: str | None = None,
        match_tokens: int = 0,
    ) -> None:
        self.store = store
        self.embeddings = embeddings
        self.keyword = keyword
        self.manifest = manifest
        self.max_tokens = min(max_tokens, embeddings.max_tokens - SECTION_TOKEN_RESERVE)
        self.overlap_tokens = overlap_tokens
        self.match_tokens = match_tokens
        self.batch_size = batch_size
        self.product = product  # `--product` / the upload form: names the product of every file of this run
        # A file chunked another way is re-chunked even when its content did not change.
        self.chunking = f"{CHUNKER_VERSION}:{self.max_tokens}:{overlap_tokens}:{match_tokens}"

    def _chunk(self, document: ParsedDocument) -> list[Chunk]:
        return chunk_document(
            document, self.embeddings.count_tokens, self.max_tokens, self.overlap_tokens, self.match_tokens
        )

    def run(
        self,
        files: Sequence[SourceFile],
        prune_roots: Sequence[Path] = (),
        progress: bool = True,
        on_error: Callable[[str], None] | None = None,
    ) -> IngestReport:
        """Ingest changed files, skip unchanged ones; with prune_roots, drop guides gone from them."""
        started = time.perf_counter()
        report = IngestReport(files_seen=len(files))
        report_error = on_error or (lambda line: print(line, file=sys.stderr))
        added: dict[str, str] = {}
        deleted: list[str] = []
        bar = tqdm(total=0, unit="chunk", desc="ingest", disable=not progress, file=sys.stderr)
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="parse") as parser, ThreadPoolExecutor(
                1, thread_name_prefix="write"
            ) as writer:
                pending_write: Future[None] | None = None
                completing: list[_Prepared] = []  # files whose last chunks are in the pending write
                prepared_files = self._prepare_ahead(files, parser)
                for batch in self._batches(prepared_files, report, report_error, bar):
                    part = [c for prepared, start, stop in batch for c in (prepared.chunks or [])[start:stop]]
                    texts = [t for prepared, start, stop in batch for t in prepared.index_texts[start:stop]]
                    vectors = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
                    if pending_write is not None:
                        pending_write.result()
                        for prepared in completing:
                            self._complete(prepared, report, added, deleted)
                    pending_write = writer.submit(self.store.upsert, part, vectors)
                    completing = [p for p, _, stop in batch if stop == len(p.chunks or ())]
                    bar.update(len(part))
                if pending_write is not None:
                    pending_write.result()
                    for prepared in completing:
                        self._complete(prepared, report, added, deleted)
            if prune_roots:
                for source in self._gone_sources(prune_roots):
                    ids = self.manifest.records.pop(source).chunk_ids
                    self.store.delete(ids)
                    deleted.extend(ids)
                    report.chunks_deleted += len(ids)
        finally:
            bar.close()
            self.manifest.save()
            if added or deleted:
                self.keyword.update(added, deleted)
        report.seconds = time.perf_counter() - started
        return report

    def _batches(
        self,
        prepared_files: Iterable[_Prepared],
        report: IngestReport,
        report_error: Callable[[str], None],
        bar: tqdm,
    ) -> Iterator[list[tuple[_Prepared, int, int]]]:
        """Embedding windows filled across files, as (file, start, stop) slices of their chunks.

        Guides average ~10 chunks: embedding per file left most batches a third full, and a
        sentence-transformers model ~1.5x slower for it. Skipped and failed files are counted here.
        """
        window = self.batch_size * EMBED_WINDOW_BATCHES
        batch: list[tuple[_Prepared, int, int]] = []
        size = 0
        for prepared in prepared_files:
            if prepared.chunks is None and prepared.metadata is not None:
                self._retag(prepared, report)
                continue
            if prepared.chunks is None:
                if prepared.error is None:
                    report.files_skipped += 1
                else:
                    report.files_failed += 1
                    report.errors.append(prepared.error)
                    report_error(f"error: {prepared.error}")
                continue
            bar.total += len(prepared.chunks)
            bar.refresh()
            start = 0
            while start < len(prepared.chunks):
                stop = min(len(prepared.chunks), start + window - size)
                batch.append((prepared, start, stop))
                size += stop - start
                start = stop
                if size == window:
                    yield batch
                    batch, size = [], 0
        if batch:
            yield batch

    def _complete(
        self, prepared: _Prepared, report: IngestReport, added: dict[str, str], deleted: list[str]
    ) -> None:
        """A file whose new chunks are all written: drop its stale ones, then record it."""
        assert prepared.chunks is not None
        new_ids = [c.id for c in prepared.chunks]
        old = self.manifest.records.get(prepared.file.source)
        stale = sorted(set(old.chunk_ids) - set(new_ids)) if old else []
        self.store.delete(stale)  # only after the new chunks are in: never a file with none
        self.manifest.records[prepared.file.source] = FileRecord(
            prepared.digest, new_ids, str(prepared.file.path.resolve()), prepared.title, prepared.language,
            prepared.metadata.digest() if prepared.metadata else "",
            time.time(), self.chunking,
        )
        known = set(old.chunk_ids) if old else set()
        report.chunks_added += sum(1 for i in new_ids if i not in known)
        report.chunks_deleted += len(stale)
        report.files_ingested += 1
        added.update(zip(new_ids, prepared.index_texts, strict=True))
        deleted.extend(stale)

    def _retag(self, prepared: _Prepared, report: IngestReport) -> None:
        """Same text, new product tags: update the chunks' metadata in place, no parsing or embedding."""
        assert prepared.metadata is not None
        record = self.manifest.records[prepared.file.source]
        fields = prepared.metadata.chunk_fields()
        self.store.update_metadata(record.chunk_ids, {key: fields.get(key) for key in METADATA_KEYS})
        record.meta_hash = prepared.metadata.digest()
        record.path = str(prepared.file.path.resolve())
        report.files_ingested += 1

    def remove(self, source: str) -> int:
        """Delete one guide's chunks everywhere; returns how many went."""
        record = self.manifest.records.pop(source, None)
        ids = sorted(set(record.chunk_ids if record else []) | set(self.store.ids_for_source(source)))
        self.store.delete(ids)
        self.manifest.save()
        self.keyword.update({}, ids)
        return len(ids)

    def _prepare_ahead(self, files: Sequence[SourceFile], parser: ThreadPoolExecutor) -> Iterator[_Prepared]:
        """Parse the next file while the current one is embedded."""
        ahead: deque[Future[_Prepared]] = deque()
        for file in files:
            ahead.append(parser.submit(self._prepare, file))
            if len(ahead) > PARSE_AHEAD:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()

    def _prepare(self, file: SourceFile) -> _Prepared:
        try:
            digest = file_hash(file.path)
        except OSError as exc:
            return _Prepared(file, "", error=f"{file.source}: cannot read file: {exc.strerror or exc}")
        record = self.manifest.records.get(file.source)
        try:
            if (record is not None and record.file_hash == digest and record.meta_hash
                    and record.chunking == self.chunking):
                tags = resolve(file.path, file.source, record.title, record.language, self.product)
                if tags.digest() == record.meta_hash:
                    return _Prepared(file, digest)
                return _Prepared(file, digest, metadata=tags)
            document = load_document(file.path, file.source)
            title = next((b.text for b in document.blocks if b.kind is BlockKind.HEADING and b.level == 1), "")
            language = detect_language(" ".join(b.text for b in document.blocks[:50]))
            tags = resolve(file.path, file.source, title, language, self.product)
            chunks = self._chunk(document)
        except LoadError as exc:
            return _Prepared(file, digest, error=str(exc))
        if not chunks:
            return _Prepared(file, digest, error=f"{file.source}: no text to ingest (empty document)")
        stored = to_stored(chunks, tags)
        return _Prepared(file, digest, stored, [index_text(str(s.metadata["section"]), s.text) for s in stored],
                         metadata=tags, title=title, language=language)

    def _gone_sources(self, roots: Sequence[Path]) -> list[str]:
        """Manifest sources whose file was under one of these roots and is there no more."""
        resolved = [r.resolve() for r in roots]
        return [
            source
            for source, record in self.manifest.records.items()
            if record.path
            and not Path(record.path).exists()
            and any(Path(record.path).is_relative_to(r) for r in resolved)
        ]
