"""The one object the shells (CLI, HTTP API, chat page) use: built once from Settings, holds the components."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from ingest.document import index_text
from ingest.manifest import Manifest
from ingest.text import HAN_RANGES, detect_language
from rag_app.answer import Answer, Answerer, make_chat_model
from rag_app.embeddings import GuideEmbeddings, make_embeddings
from rag_app.gate import (
    CALIBRATION_KEY,
    CALIBRATION_VERSION,
    DEFAULT_CALIBRATION,
    Calibration,
    Gate,
    calibrate,
    is_injection,
    kinds_asked_about,
    subject_of,
)
from rag_app.gate import Decision as GateDecision
from rag_app.indexing import Ingestor, IngestReport, SourceFile, discover
from rag_app.keyword import KeywordIndex
from rag_app.products import (
    CLARIFY_EVIDENCE,
    CODE_CHUNKS,
    Catalog,
    Decision,
    Evidence,
    Filters,
    choice_after_clarify,
    clarify_reply,
    code_pattern,
    contenders,
    lists_code,
    message_pattern,
    normalize_filters,
    product_note,
    product_of,
    products_in_history,
    products_to_ask,
    quoted_messages,
)
from rag_app.questions import Outcome, QuestionGroup, QuestionGroups, QuestionLog
from rag_app.retrieval import HybridRetriever, make_retriever
from rag_app.settings import Settings
from rag_app.store import GuideStore, StoredChunk, drop_collection, make_client

_UNSAFE_NAME = re.compile(rf"[^\w.\-{HAN_RANGES}]+")


def upload_source(filename: str) -> str:
    """The `source` an uploaded file is stored under: its base name, made safe for the file system."""
    return _UNSAFE_NAME.sub("_", Path(filename).name).strip("._") or "upload"


@dataclass(frozen=True)
class KnowledgeBaseInfo:
    guides: dict[str, int]
    chunks: int
    embedding_model: str
    mode: str
    llm_model: str | None
    store: str


@dataclass(frozen=True)
class GuideInfo:
    """One guide as the staff console lists it."""

    source: str
    chunks: int
    language: str
    ingested_at: datetime | None  # None for guides ingested before the time was recorded
    sections: list[str]  # heading paths in document order


class Assistant:
    """Ingest, retrieve, answer: the same core behind every shell."""

    def __init__(self, settings: Settings, embeddings: GuideEmbeddings | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or make_embeddings(settings)
        self.client = make_client(settings)
        self.keyword = KeywordIndex(settings.rag_data_dir / "keyword" / settings.rag_collection)
        self.manifest = Manifest(settings.rag_data_dir / f"manifest-{settings.rag_collection}.json")
        self.store = self._open_store()
        self.retriever: HybridRetriever = make_retriever(settings, self.store, self.embeddings, self.keyword)
        self._calibration_lock = threading.Lock()
        self.gate = Gate(self.keyword, self._stored_calibration(), self._catalog, self._mentions, self._headings)
        self.retriever.gate = self.gate
        self.answerer = Answerer(settings, make_chat_model(settings), self.keyword.tokenize,
                                 term_weights=lambda text: self.keyword.term_weights(text))
        self._catalog_cache: tuple[int | None, Catalog, str] | None = None
        # Refused and 👎 questions for the guide writers; None when QUESTION_LOG is off
        self.questions = (QuestionLog(settings.rag_data_dir / "questions.sqlite3", settings.question_retention_days)
                          if settings.question_log else None)
        self._question_groups = None if self.questions is None else QuestionGroups(
            self.questions, self.embeddings.embed_queries, settings.question_group_similarity)

    # Knowledge base

    def ingest(
        self,
        paths: Sequence[Path],
        prune: bool = False,
        rebuild: bool = False,
        progress: bool = True,
        on_error: Callable[[str], None] | None = None,
        product: str | None = None,
    ) -> IngestReport:
        """`product` names the product of every guide ingested (else each guide's own tags decide)."""
        if rebuild:
            self.rebuild()
        report = self._ingestor(product).run(
            discover(paths), prune_roots=paths if prune else (), progress=progress, on_error=on_error
        )
        self._recalibrate_after(report.chunks_added + report.chunks_deleted)
        return report

    def ingest_upload(self, filename: str, content: bytes, progress: bool = False,
                      on_error: Callable[[str], None] | None = None, product: str | None = None) -> IngestReport:
        """Keep an uploaded guide under RAG_DATA_DIR/uploads and ingest it under its file name.

        A failed upload leaves everything as it was, including an earlier good file of that name.
        """
        name = upload_source(filename)
        uploads = self.settings.rag_data_dir / "uploads"
        uploads.mkdir(parents=True, exist_ok=True)
        target = uploads / name
        previous = uploads / f".{name}.previous"
        if target.exists():
            target.replace(previous)
        target.write_bytes(content)
        report: IngestReport | None = None
        try:
            report = self._ingestor(product).run([SourceFile(target, name)], progress=progress, on_error=on_error)
        finally:
            failed = report is None or report.files_failed > 0
            if failed and previous.exists():
                previous.replace(target)
            elif failed:
                target.unlink(missing_ok=True)
            else:
                previous.unlink(missing_ok=True)
        self._recalibrate_after(report.chunks_added + report.chunks_deleted)
        return report

    def remove(self, source: str) -> int:
        removed = self._ingestor().remove(source)
        self._recalibrate_after(removed)
        upload = self.settings.rag_data_dir / "uploads" / source
        if upload.is_file():
            upload.unlink()
        return removed

    def reingest(self, source: str) -> IngestReport:
        """Read a guide's file again and rebuild its chunks even if the file is unchanged (after a change
        of chunking or loaders). FileNotFoundError when the file it was ingested from is gone."""
        record = self.manifest.records.get(source)
        path = Path(record.path) if record is not None and record.path else None
        if record is None or path is None or not path.is_file():
            raise FileNotFoundError(f"{source}: the file it was ingested from ({path or 'unknown'}) is gone; "
                                    "upload it again")
        record.file_hash = ""  # counts as changed; its chunks are replaced once the new ones are written
        return self._ingestor().run([SourceFile(path, source)], progress=False)

    def guides(self) -> list[GuideInfo]:
        """Every guide with its chunk count, language, ingest time and sections, by name."""
        by_source: dict[str, list[dict[str, Any]]] = {}
        for metadata in self.store.metadatas():
            by_source.setdefault(str(metadata.get("source", "")), []).append(metadata)
        guides = []
        for source, chunks in sorted(by_source.items()):
            chunks.sort(key=lambda m: int(str(m.get("chunk_index", 0))))
            sections = list(dict.fromkeys(str(m.get("section") or "") for m in chunks if m.get("section")))
            record = self.manifest.records.get(source)
            ingested = record.ingested_at if record is not None else 0.0
            # Headings say which language a guide is in; a guide without any is judged by its name
            guides.append(GuideInfo(source, len(chunks), detect_language(" ".join(sections) or source),
                                    datetime.fromtimestamp(ingested, UTC) if ingested else None, sections))
        return guides

    def guide_chunks(self, source: str) -> list[StoredChunk]:
        """A guide's chunks as stored, in document order."""
        return sorted(self.store.chunks_of(source), key=lambda c: int(str(c.metadata.get("chunk_index", 0))))

    def rebuild(self) -> None:
        """Drop the collection, manifest and keyword index: the start of `--rebuild`."""
        drop_collection(self.client, self.settings.rag_collection)
        self.manifest.clear()
        self.manifest.save()
        shutil.rmtree(self.keyword.directory, ignore_errors=True)
        self.keyword = KeywordIndex(self.keyword.directory, self.keyword.tokenize)
        self.store = self._open_store()
        self.retriever = make_retriever(self.settings, self.store, self.embeddings, self.keyword)
        self.gate = Gate(self.keyword, DEFAULT_CALIBRATION.with_overrides(self.settings), self._catalog,
                         self._mentions, self._headings)
        self.retriever.gate = self.gate

    # The relevance gate

    @property
    def calibration(self) -> Calibration:
        """The gate's thresholds for this collection (what the staff page and `rag-ask --json` show)."""
        self._ensure_calibrated()
        return self.gate.calibration

    def calibrate(self) -> Calibration:
        """Measure this collection with this model (`rag-calibrate`); stored with the collection."""
        with self._calibration_lock:
            stored = self.store.all_chunks()
            chunks = [(str(c.metadata.get("source", "")), str(c.metadata.get("section", "")), c.text) for c in stored]
            if not chunks:
                self.gate.calibration = DEFAULT_CALIBRATION.with_overrides(self.settings)
                return self.gate.calibration
            measured = calibrate(
                lambda questions, language: self.store.best_similarities(self.embeddings.embed_queries(questions),
                                                                         language),
                self.retriever.search, self.keyword, chunks, self.embeddings.fingerprint, self._catalog,
                self._mentions, self._headings, {str(c.metadata.get("language") or "") for c in stored},
            )
            self.store.set_metadata(CALIBRATION_KEY, measured.to_json())
            self.gate.calibration = measured.with_overrides(self.settings)
            return self.gate.calibration

    def gate_decision(self, question: str, passages: Sequence[Document]) -> GateDecision:
        """Whether the passages answer the question (the gate, measured for this collection)."""
        self._ensure_calibrated()
        return self.gate.decide(question, passages)

    def _recalibrate_after(self, changed_chunks: int) -> None:
        if changed_chunks:
            self.calibrate()

    def _ensure_calibrated(self) -> None:
        """A collection filled elsewhere, or by an older version, is measured at its first question."""
        current = self.gate.calibration
        count = self.store.count()
        if count > 0 and (current.origin == "default" or current.chunks != count):
            self.calibrate()

    def _stored_calibration(self) -> Calibration:
        stored = self.store.metadata(CALIBRATION_KEY)
        try:
            calibration = Calibration.from_json(stored) if isinstance(stored, str) else DEFAULT_CALIBRATION
        except (ValueError, TypeError, KeyError):
            calibration = DEFAULT_CALIBRATION  # written by another version: measured again when needed
        if calibration.model and calibration.model != self.embeddings.fingerprint or \
                calibration.version != CALIBRATION_VERSION:
            calibration = DEFAULT_CALIBRATION
        return calibration.with_overrides(self.settings)

    def info(self) -> KnowledgeBaseInfo:
        store = (
            f"chroma server {self.settings.chroma_host}:{self.settings.chroma_port}"
            if self.settings.uses_chroma_server
            else str((self.settings.rag_data_dir / "chroma").resolve())
        )
        return KnowledgeBaseInfo(
            guides=self.store.sources(),
            chunks=self.store.count(),
            embedding_model=self.embeddings.fingerprint,
            mode=self.answerer.mode,
            llm_model=self.settings.llm_model if self.answerer.mode == "llm" else None,
            store=f"{store} (collection {self.settings.rag_collection})",
        )

    # Questions

    def retrieve(self, question: str, k: int | None = None, filters: Mapping[str, Any] | None = None) -> list[Document]:
        """Ungated passages, best first: what `--retrieve-only` and the eval show. Scoped to the
        `filters`, else to the products the question names."""
        return self._search(question, k, normalize_filters(filters), ())[0]

    def products(self) -> list[str]:
        """The knowledge base's products, for pickers."""
        return list(self._catalog().products)

    def named_products(self, question: str) -> list[str]:
        """The products a question names by name or model: it is answered about those alone."""
        return self._catalog().named_in(question).products

    def stream(
        self,
        question: str,
        history: Sequence[dict[str, str]] = (),
        k: int | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas as they come, then the final Answer: an answer about one product, or, when the
        passages answer differently per product and nothing says which is meant, a question back."""
        if is_injection(question):  # refused before retrieval: the rules are not the user's to change
            yield from self.answerer.stream(question, [], list(history))
            return
        scope = normalize_filters(filters)
        catalog = self._catalog()
        chosen = choice_after_clarify(question, history, catalog)
        if chosen is not None:  # the user picked a product from the question back: answer the original
            question, product = chosen
            scope = {**scope, "product": (product,)}
        standalone = self.answerer.condense(question, list(history))
        naming = catalog.named_in(question)
        own = naming.products
        if (standalone != question and standalone.endswith(question.strip()) and (own or naming.kinds)
                and self.keyword.tokenize(naming.unnamed(question))):
            # "帐篷怎么收纳？" after "LF-3 Pro 有多重？" names what it is about and asks its own thing: the
            # earlier question in front would be quoted for as well (the conversation's product still scopes it)
            standalone = question
        if standalone != question and own and "product" not in scope:
            scope = {**scope, "product": tuple(own)}  # "那 LF-2 Pro 呢？": the product named now, not the one before
        passages, searched, codes = self._search(standalone, k, scope, history)
        relevant = passages if self.gate_decision(standalone, passages).relevant else []
        if not relevant and history and searched != scope:
            # the conversation's product was a guess: its guides hold nothing for this question ("How much
            # citric acid against limescale?" after questions about the stove), the others may
            passages, searched, codes = self._search(standalone, k, scope, ())
            relevant = passages if self.gate_decision(standalone, passages).relevant else []
        scope = searched
        if relevant and len(catalog.products) > 1:
            named = list(scope.get("product", ()))
            decision = Decision([], named) if len(named) == 1 else self._decide(standalone, relevant, scope, codes)
            language = detect_language(standalone)
            if decision.ask:
                clarify = clarify_reply(decision.ask, language)
                yield clarify.question
                yield Answer(text=clarify.question, refused=False, mode=self.answerer.mode, sources=[],
                             clarify=clarify)
                return
            product = product_of(relevant[0])
            relevant = [p for p in relevant if product_of(p) == product]  # one product's answer, never a mix
            # Say which product the answer is about where the question did not: the customer may own another,
            # and a follow-up reads it.
            fits = decision.fits if product in decision.fits and product in catalog.products else []
            note = product_note(fits, language) if fits else ""
            if note:
                yield note + "\n\n"
            for item in self._log_refusal(standalone, passages,
                                          self.answerer.stream(standalone, relevant, list(history))):
                if isinstance(item, Answer) and not item.refused:
                    item.product = product
                    if note:
                        item.text = f"{note}\n\n{item.text}"
                yield item
            return
        yield from self._log_refusal(standalone, passages, self.answerer.stream(standalone, relevant, list(history)))

    def ask(
        self,
        question: str,
        history: Sequence[dict[str, str]] = (),
        k: int | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> Answer:
        final = [item for item in self.stream(question, history, k, filters) if isinstance(item, Answer)]
        return final[-1]

    def _search(
        self, question: str, k: int | None, filters: Filters, history: Sequence[dict[str, str]]
    ) -> tuple[list[Document], Filters, list[re.Pattern[str]]]:
        """Passages, the scope they were searched in and the error codes asked about: the filters, else the products the question or
        the conversation names; a kind ("tent", "扫地机器人"), not named as a place ("Can I cook in the
        tent vestibule?" is the stove guide's), narrows the search to its products when
        the unscoped passages mix products and include one of them (to the kind the question is about
        where it names several: "睡袋可以放洗衣机洗吗" is about the sleeping bag), or when the kind it is
        about (its subject) is not among them (a guide in the other language that the search across
        languages missed: "睡袋应该怎么长期存放" finds the tent guide's 与睡袋分开存放 first)."""
        catalog = self._catalog()
        naming = catalog.named_in(question)
        kinds = naming.kinds_not_places(question)
        scope = dict(filters)
        if not scope:
            # the conversation's product, unless the question names another kind ("What does the red light
            # on the air purifier mean?" after a question about a tent)
            remembered = [p for p in products_in_history(history, catalog) if not kinds or p in kinds]
            named = naming.products or remembered
            if named:
                scope = {"product": tuple(named)}
        codes = self._codes(question, catalog)

        def search(scope: Filters) -> list[Document]:
            products = scope.get("product", ())

            def searched(text: str) -> str | None:
                return text if text != question and self.keyword.tokenize(text) else None

            return self.retriever.search(question, k, scope, codes, searched(naming.without(question, products)),
                                         searched(naming.without(question, products, kinds=False)))

        passages = search(scope)
        found = {product_of(p) for p in passages}
        asked: list[str] = []  # the named kinds the question is about
        if not scope and kinds:
            subject = subject_of(question, self.keyword.tokenize)
            asked = [kind for kind in kinds_asked_about(question, subject, naming, catalog) if kind in kinds]
            # no subject of its own ("the red light on the air purifier"): the kinds it names
            asked = asked or ([] if subject else kinds)
        if not scope and kinds and len(found) > 1 and found & set(kinds):
            scope = {"product": tuple(asked or kinds)}
            passages = search(scope)
        elif asked and not found & set(asked):
            scope = {"product": tuple(asked)}
            passages = search(scope)
        return passages, scope, codes

    def _decide(self, question: str, passages: list[Document], scope: Filters,
                codes: Sequence[re.Pattern[str]]) -> Decision:
        """Ask back or answer, comparing each contending product's own best passages."""
        catalog = self._catalog()
        candidates = contenders(passages, codes)
        kinds = catalog.named_in(question).kinds
        if set(kinds) & set(candidates):
            candidates = [c for c in candidates if c in kinds]
        if len(candidates) < 2:  # one product's passages lead: where the question did not name its kind, the
            # answer names the product, so a follow-up ("多久清洁一次？" after "滤网怎么清洗？") stays on it
            lead = product_of(passages[0])
            return Decision([], [] if lead in kinds else [lead])
        evidence = []
        for product in candidates:
            found = self.retriever.search(question, CLARIFY_EVIDENCE, {**scope, "product": (product,)}, codes)
            coverage = self.keyword.coverage(question, [str(d.metadata["id"]) for d in found])
            evidence.append(Evidence(product, found, coverage))
        return products_to_ask(evidence, self.keyword.term_weights(question), self.keyword.tokenize,
                               catalog.masks(), codes)

    def _codes(self, question: str, catalog: Catalog) -> list[re.Pattern[str]]:
        """The error codes a question asks about: "E21" by its form, "tCL" because a code table lists it,
        and the messages it quotes ("keeps saying \"Main brush jammed\"") where a few passages hold them."""
        codes = catalog.codes_in(question)
        for message in quoted_messages(question):
            pattern = message_pattern(message)
            found = [i for i, _ in self.keyword.search(message, CODE_CHUNKS)]
            if 0 < sum(bool(pattern.search(text)) for text in self.store.texts(found)) < CODE_CHUNKS:
                codes.append(pattern)
        for word in catalog.code_words(question):
            terms = self.keyword.tokenize.terms(word)
            if not terms or not all(0 < self.keyword.document_frequency(t) <= CODE_CHUNKS for t in terms):
                continue
            found = [i for i, _ in self.keyword.search(word, CODE_CHUNKS)]
            if any(lists_code(text, word) for text in self.store.texts(found)):
                codes.append(code_pattern(word))
        return codes

    def _mentions(self, text: str, limit: int) -> int:
        """Chunks holding the text verbatim, up to `limit` (the store is reopened by `rebuild`)."""
        return self.store.chunks_containing(text, limit)

    def _catalog(self) -> Catalog:
        """The products in the store, rebuilt when an ingest (here or in another process) changed it."""
        return self._collection_view()[1]

    def _headings(self) -> str:
        """The store's section titles, lower-cased, one per line: the topics its guides cover."""
        return self._collection_view()[2]

    def _collection_view(self) -> tuple[int | None, Catalog, str]:
        path = self.manifest.path
        key = path.stat().st_mtime_ns if path.exists() else None
        if self._catalog_cache is None or self._catalog_cache[0] != key:
            metadatas = self.store.metadatas()
            titles = {part.strip().lower() for m in metadatas for part in str(m.get("section") or "").split(" > ")}
            self._catalog_cache = (key, Catalog.from_metadatas(metadatas), "\n".join(sorted(titles - {""})))
        return self._catalog_cache

    # What the guides could not answer

    def record_dislike(self, question: str, answer: Answer, answer_id: str) -> None:
        """A 👎 on an answer: logged with the passages it was drawn from (unless QUESTION_LOG is off).

        A 👎 on a refusal adds nothing: the refusal is in the log already."""
        if self.questions is not None and not answer.refused:
            self.questions.record(question, "disliked", answer.sources, detect_language(question), answer_id)

    def forget_dislike(self, answer_id: str) -> None:
        if self.questions is not None:
            self.questions.forget(answer_id)

    def unanswered(self, outcome: Outcome | None = None, since: float | None = None) -> list[QuestionGroup]:
        """Logged questions grouped by meaning, most asked first (`since`: epoch seconds)."""
        return [] if self._question_groups is None else self._question_groups(outcome, since)

    def _log_refusal(self, question: str, passages: Sequence[Document],
                     items: Iterable[str | Answer]) -> Iterator[str | Answer]:
        """Pass the stream on; a refusal is logged with what the search found, before it is handed out."""
        for item in items:
            if isinstance(item, Answer) and item.refused and self.questions is not None:
                self.questions.record(question, "refused", passages, detect_language(question))
            yield item

    def _ingestor(self, product: str | None = None) -> Ingestor:
        return Ingestor(
            self.store,
            self.embeddings,
            self.keyword,
            self.manifest,
            max_tokens=self.settings.chunk_max_tokens,
            overlap_tokens=self.settings.chunk_overlap_tokens,
            batch_size=self.settings.embedding_batch_size,
            product=product,
            match_tokens=self.settings.chunk_match_tokens,
        )

    def _open_store(self) -> GuideStore:
        store = GuideStore(self.client, self.settings.rag_collection, self.embeddings)
        if len(self.keyword) != store.count() or not self.keyword.current:
            # The store is the source of truth: an index from a crashed ingest, none (a Chroma
            # server filled from another machine), or one an older tokenizer made is rebuilt from it.
            self.keyword.replace_all(
                {c.id: index_text(str(c.metadata.get("section", "")), c.text) for c in store.all_chunks()}
            )
        return store
