"""Refusal scoring for `rag-eval --answers [--refusal-bank]`: right, wrong and missed refusals by kind.

`--refusal-bank` adds questions any knowledge base must refuse: the built-in bank's held-back part
(never used for calibration) and leave-one-guide-out questions (each guide's QA questions asked of a
store without it, nor the guides of its category: about a product the store does not cover).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.metadata import read_front_matter, read_sidecar, sidecar_path
from rag_app.answer import Answer
from rag_app.assistant import Assistant
from rag_app.embeddings import GuideEmbeddings
from rag_app.gate import load_bank
from rag_app.indexing import discover
from rag_app.settings import Settings

KINDS = ("answerable", "near-domain", "off-topic", "injection")


@dataclass(frozen=True)
class RefusalQuestion:
    id: str
    question: str
    kind: str
    set: str  # "qa", "bank" or "leave-one-guide-out"

    @property
    def should_refuse(self) -> bool:
        return self.kind != "answerable"


def bank_questions() -> list[RefusalQuestion]:
    """The bank's held-back part: never seen by calibration."""
    return [RefusalQuestion(q.id, q.question, q.kind, "bank") for q in load_bank("heldout")]


@dataclass
class _Count:
    n: int = 0
    right: int = 0
    wrong_refusals: int = 0
    missed_refusals: int = 0

    def add(self, should_refuse: bool, refused: bool) -> None:
        self.n += 1
        self.right += refused == should_refuse
        self.wrong_refusals += refused and not should_refuse
        self.missed_refusals += should_refuse and not refused

    def summary(self) -> dict[str, Any]:
        return {"n": self.n, "accuracy": round(self.right / self.n, 4) if self.n else 0.0,
                "wrong_refusals": self.wrong_refusals, "missed_refusals": self.missed_refusals}


@dataclass
class RefusalTally:
    """Counts over every question asked; the gate's refusals and the model's are kept apart."""

    total: _Count = field(default_factory=_Count)
    by_kind: dict[str, _Count] = field(default_factory=dict)
    by_set: dict[str, _Count] = field(default_factory=dict)
    gate_refusals: int = 0
    llm_refusals: int = 0

    def add(self, question: RefusalQuestion, answer: Answer) -> dict[str, Any]:
        """Count one answer; returns the fields its report line gets."""
        for counts, key in ((self.by_kind, question.kind), (self.by_set, question.set)):
            counts.setdefault(key, _Count()).add(question.should_refuse, answer.refused)
        self.total.add(question.should_refuse, answer.refused)
        self.gate_refusals += answer.refused_by == "gate"
        self.llm_refusals += answer.refused_by == "llm"
        return {"kind": question.kind, "set": question.set, "refused": answer.refused,
                "refused_by": answer.refused_by}

    def summary(self) -> dict[str, Any]:
        total = self.total.summary()
        return {
            "refusal_accuracy": total["accuracy"],
            "wrong_refusals": total["wrong_refusals"],
            "missed_refusals": total["missed_refusals"],
            "gate_refusals": self.gate_refusals,
            "llm_refusals": self.llm_refusals,
            "refusals_by_kind": {k: self.by_kind[k].summary() for k in sorted(self.by_kind, key=_kind_order)},
            "refusals_by_set": {k: c.summary() for k, c in sorted(self.by_set.items())},
        }


def _kind_order(kind: str) -> tuple[int, str]:
    return (KINDS.index(kind) if kind in KINDS else len(KINDS), kind)


def leave_one_guide_out(
    docs: Path, questions: Sequence[tuple[str, str, str]], settings: Settings, k: int, progress: bool,
    embeddings: GuideEmbeddings | None = None,
) -> Iterator[tuple[RefusalQuestion, Answer, Assistant]]:
    """Each guide's (id, question, source) asked of a fresh store of the other guides: all must be refused.

    Guides of the guide's category (its `category` tag: a sibling tent, another robot vacuum) are left
    out with it, since they may answer its questions. Nothing is yielded when no other guide is left.
    With EMBEDDING_CACHE_DIR set, the other guides' chunks are not embedded again.
    """
    files = discover([docs])
    category = {f.source: _category(f.path) for f in files}
    by_guide: dict[str, list[tuple[str, str]]] = {}
    for qid, question, source in questions:
        by_guide.setdefault(source, []).append((qid, question))
    for guide, asked in by_guide.items():
        left_out = {f.source for f in files if _same_guide(guide, f.source)}
        kinds = {category[s] for s in left_out} - {""}
        others = [f for f in files if f.source not in left_out and category[f.source] not in kinds]
        if not others or not left_out:
            continue
        with tempfile.TemporaryDirectory(prefix="rag-eval-logo-") as tmp:
            folder = Path(tmp) / "guides"
            for file in others:
                target = folder / file.source
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file.path, target)
                if sidecar_path(file.path).is_file():
                    shutil.copyfile(sidecar_path(file.path), sidecar_path(target))
            assistant = Assistant(settings.model_copy(update={"rag_data_dir": Path(tmp) / "store"}), embeddings)
            assistant.ingest([folder], progress=progress)
            for qid, question in asked:
                item = RefusalQuestion(f"{qid}@without-{Path(guide).name}", question, "near-domain",
                                       "leave-one-guide-out")
                yield item, assistant.ask(question, k=k), assistant


def _same_guide(gold: str, source: str) -> bool:
    return source == gold or Path(source).name == Path(gold).name


def _category(path: Path) -> str:
    """The guide's category tag (sidecar, else front matter), casefolded; "" when it has none."""
    return str((read_sidecar(path) or read_front_matter(path)).get("category", "")).strip().casefold()


def gate_fields(assistant: Assistant, question: str, k: int,
                filters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Why the gate decided as it did: for the report line."""
    passages = assistant.retrieve(question, k, filters)
    decision = assistant.gate_decision(question, passages)
    evidence = decision.evidence
    return {"gate": {"reason": decision.reason}
            | ({"score": round(evidence.score, 4), "coverage": round(evidence.coverage, 3),
                "absent": round(evidence.absent, 3), "names": evidence.names,
                "unknown_names": evidence.unknown_names, "names_in_passages": evidence.names_in_passages,
                "top_coverage": round(evidence.top_coverage, 3),
                "first_coverage": round(evidence.first_coverage, 3), "held_coverage": round(evidence.held_coverage, 3),
                "subject": evidence.subject, "subject_mentions": evidence.subject_mentions,
                "subject_named": evidence.subject_named, "names_product": evidence.names_product,
                "name_in_passing": evidence.name_in_passing, "code_missing": evidence.code_missing,
                "model_named": evidence.model_named, "product_named": evidence.product_named,
                "passage_language": evidence.passage_language,
                "threshold": assistant.gate.calibration.limits(evidence.language,
                                                               evidence.passage_language).threshold}
               if evidence else {})}
