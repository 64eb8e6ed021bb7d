"""`rag-eval`: retrieval and answer quality on a QA set, in a fresh temporary store (never the user's)."""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.documents import Document

from ingest.text import CITATION
from rag_app.answer.prompts import NOTICE, QUOTE_LABEL
from rag_app.assistant import Assistant
from rag_app.commands.errors import user_errors
from rag_app.commands.refusals import (
    RefusalQuestion,
    RefusalTally,
    bank_questions,
    gate_fields,
    leave_one_guide_out,
)
from rag_app.embeddings import GuideEmbeddings
from rag_app.products import PRODUCT_NOTE
from rag_app.settings import Settings

TRIGRAM_CHUNK_CHARS = 1000


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    answer: str | None = None
    source: str | None = None
    section: str | None = None
    page: int | None = None
    kind: str | None = None  # answerable, near-domain, off-topic, injection (docs/contracts.md)
    filters: dict[str, Any] | None = None
    expect_clarify: list[str] | None = None  # the products a reply should ask about


def load_qa(path: Path) -> list[QAItem]:
    """Read the QA file; a bad line is reported with its line number."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            items.append(
                QAItem(
                    id=str(raw["id"]),
                    question=str(raw["question"]),
                    answer=raw.get("answer"),
                    source=raw.get("source"),
                    section=raw.get("section"),
                    page=raw.get("page"),
                    kind=raw.get("kind"),
                    filters=raw.get("filters"),
                    expect_clarify=list((raw.get("expect_clarify") or {}).get("options", [])) or None,
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}:{number}: not a QA object with 'id' and 'question' ({exc})") from exc
    return items


def _normalise(text: str) -> str:
    text = html.unescape(text)
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch).startswith("P")))


def trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def answer_trigrams(text: str) -> set[str]:
    """The character trigrams the answer metrics compare, after normalising as for hits."""
    return trigrams(_normalise(text))


def answer_coverage(answer: str, text: str) -> float:
    """Share of the answer's character trigrams found in the first 1,000 normalised chars of text."""
    wanted = trigrams(_normalise(answer))
    if not wanted:
        return 0.0
    return len(wanted & trigrams(_normalise(text)[:TRIGRAM_CHUNK_CHARS])) / len(wanted)


def answer_overlap(gold: str, produced: str) -> tuple[float, float]:
    """(coverage, precision): the share of the gold answer's trigrams found in the produced answer,
    and the share of the produced answer's trigrams found in the gold one (whole texts, normalised)."""
    gold_grams = answer_trigrams(gold)
    produced_grams = answer_trigrams(quoted_text(produced))
    shared = len(gold_grams & produced_grams)
    return (shared / len(gold_grams) if gold_grams else 0.0,
            shared / len(produced_grams) if produced_grams else 0.0)


def quoted_text(answer: str) -> str:
    """An answer's own words: without citation markers, the quote label, the product note and the
    LLM-fallback notice."""
    text = CITATION.sub("", answer)
    for language in ("zh", "en"):
        text = text.replace(QUOTE_LABEL[language], "")
        for template, slot in ((NOTICE[language], "{reason}"), (PRODUCT_NOTE[language], "{products}")):
            before, _, after = template.partition(slot)
            text = re.sub(re.escape(before) + r".*?" + re.escape(after), "", text)
    return text


def _same_source(gold: str, source: str) -> bool:
    return source == gold or Path(source).name == Path(gold).name


def _section_key(title: str) -> str:
    return " ".join(html.unescape(title).split()).casefold()


def is_hit(item: QAItem, passage: Document) -> bool:
    """docs/contracts.md's rule: right source, and the gold section in its path (or half the answer's trigrams)."""
    if item.source is None or not _same_source(item.source, str(passage.metadata.get("source", ""))):
        return False
    if item.section:
        path = [_section_key(part) for part in str(passage.metadata.get("section", "")).split(" > ")]
        return _section_key(item.section) in path
    if item.answer:
        return answer_coverage(item.answer, passage.page_content) >= 0.5
    return True


def first_hit_rank(item: QAItem, passages: Sequence[Document]) -> int | None:
    return next((rank for rank, p in enumerate(passages, start=1) if is_hit(item, p)), None)


def _percentile(values: Iterable[float], q: float) -> float:
    data = list(values)
    return round(float(np.percentile(data, q)), 1) if data else 0.0


def run_eval(
    docs: Path, qa: Sequence[QAItem], k: int, settings: Settings, answers: bool, report: Path | None,
    refusal_bank: bool = False,
    embeddings: GuideEmbeddings | None = None,
) -> dict[str, Any]:
    """Ingest docs into a throwaway store, ask every question, return the summary.

    `embeddings`: a model already loaded in this process (the staff console's), instead of a second copy.
    """
    with tempfile.TemporaryDirectory(prefix="rag-eval-") as tmp:
        eval_settings = settings.model_copy(
            update={"rag_data_dir": Path(tmp), "chroma_host": None, "rag_collection": "eval", "question_log": False}
        )
        assistant = Assistant(eval_settings, embeddings)
        ingest = assistant.ingest([docs], progress=sys.stderr.isatty())
        hits = reciprocal = recall = scoped_hits = scoped_reciprocal = 0.0
        answerable = scoped = clarify_right = context_chars = 0
        latencies: list[float] = []
        refusals = RefusalTally()
        lines = []
        overlaps: list[tuple[float, float]] = []
        for item in qa:
            started = time.perf_counter()
            passages = assistant.retrieve(item.question, k, item.filters)
            latencies.append((time.perf_counter() - started) * 1000)
            context_chars += sum(len(p.page_content) for p in passages)
            line: dict[str, Any] = {
                "id": item.id,
                "question": item.question,
                "retrieved": [
                    {key: p.metadata.get(key) for key in ("source", "section", "page", "score")}
                    | {"text": p.page_content}
                    for p in passages
                ],
            }
            if item.source is not None:
                answerable += 1
                rank = first_hit_rank(item, passages)
                line["hit_rank"] = rank
                if rank is not None:
                    hits += 1
                    reciprocal += 1 / rank
                if item.filters or assistant.named_products(item.question):
                    scoped += 1
                    scoped_hits += rank is not None
                    scoped_reciprocal += 1 / rank if rank else 0.0
                if item.answer:
                    recall += answer_coverage(item.answer, "\n".join(p.page_content for p in passages))
            if answers:
                answer = assistant.ask(item.question, k=k, filters=item.filters)
                line.update(answer=answer.text)
                if answer.clarify is not None:
                    line["clarify"] = asdict(answer.clarify)
                asked = sorted(o["product"] for o in answer.clarify.options) if answer.clarify else None
                clarify_right += asked == (sorted(item.expect_clarify) if item.expect_clarify else None)
                if item.answer and item.source is not None and not answer.refused and answer.clarify is None:
                    coverage, precision = answer_overlap(item.answer, answer.text)
                    line.update(answer_coverage=round(coverage, 4), answer_precision=round(precision, 4))
                    overlaps.append((coverage, precision))
                line.update(refusals.add(_refusal_question(item), answer))
                line.update(gate_fields(assistant, item.question, k, item.filters))
            lines.append(line)
        if answers and refusal_bank:
            for question in bank_questions():
                answer = assistant.ask(question.question, k=k)
                lines.append({"id": question.id, "question": question.question, "answer": answer.text}
                             | refusals.add(question, answer) | gate_fields(assistant, question.question, k))
        calibration = assistant.calibration.summary() if answers else None
    if answers and refusal_bank:
        asked = [(i.id, i.question, i.source) for i in qa if i.source is not None]
        logo_settings = settings.model_copy(update={"chroma_host": None, "rag_collection": "eval"})
        for question, answer, other in leave_one_guide_out(docs, asked, logo_settings, k, sys.stderr.isatty(),
                                                           assistant.embeddings):
            lines.append({"id": question.id, "question": question.question, "answer": answer.text}
                         | refusals.add(question, answer) | gate_fields(other, question.question, k))
    with_answer = sum(1 for i in qa if i.source is not None and i.answer)
    summary: dict[str, Any] = {
        "n": len(qa),
        "k": k,
        "hit@k": round(hits / answerable, 4) if answerable else 0.0,
        "mrr": round(reciprocal / answerable, 4) if answerable else 0.0,
        "answer_recall@k": round(recall / with_answer, 4) if with_answer else 0.0,
        "context_chars": round(context_chars / len(qa), 1) if qa else 0.0,
        "p50_ms": _percentile(latencies, 50),
        "p95_ms": _percentile(latencies, 95),
        "ingest_chunks_per_s": round(ingest.chunks_added / ingest.seconds, 2) if ingest.seconds else 0.0,
    }
    if answers:
        summary.update(
            refusals.summary(),
            answer_coverage=round(float(np.mean([c for c, _ in overlaps])), 4) if overlaps else 0.0,
            answer_precision=round(float(np.mean([p for _, p in overlaps])), 4) if overlaps else 0.0,
            gate=calibration,
        )
        if any(item.expect_clarify for item in qa):
            summary["clarify_accuracy"] = round(clarify_right / len(qa), 4)
    if scoped:
        summary.update({"scoped_n": scoped, "scoped_hit@k": round(scoped_hits / scoped, 4),
                        "scoped_mrr": round(scoped_reciprocal / scoped, 4)})
    if report is not None:
        report.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return summary


def _refusal_question(item: QAItem) -> RefusalQuestion:
    kind = item.kind or ("answerable" if item.source is not None else "off-topic")
    return RefusalQuestion(item.id, item.question, kind, "qa")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rag-eval", description="Measure retrieval and answers on a QA set.")
    parser.add_argument("--docs", type=Path, required=True, help="folder of guides to ingest")
    parser.add_argument("--qa", type=Path, required=True, help="QA file (JSON lines)")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--report", type=Path, help="write one JSON line per question here")
    parser.add_argument("--answers", action="store_true", help="also generate answers and score refusals")
    parser.add_argument("--refusal-bank", action="store_true",
                        help="with --answers: also ask the built-in bank's held-back questions and each guide's "
                             "questions of the other guides, all of which must be refused")
    args = parser.parse_args(argv)
    if args.refusal_bank and not args.answers:
        parser.error("--refusal-bank scores refusals: use it with --answers")
    if not args.docs.exists():
        parser.error(f"--docs {args.docs}: no such file or folder")
    if not args.qa.is_file():
        parser.error(f"--qa {args.qa}: no such file")
    with user_errors():
        summary = run_eval(args.docs, load_qa(args.qa), args.k, Settings(), args.answers, args.report,
                           args.refusal_bank)
    print(json.dumps(summary))
    return 0
