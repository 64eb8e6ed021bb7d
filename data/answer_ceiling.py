"""How far any quoting answer can reach against a QA file's gold answers: the ceiling of extractive answers.

An extractive answer can only quote the guides. For each question with a gold answer and a gold
source, this picks from the whole gold guide, knowing the gold answer, the pieces that best trade
`answer_coverage` against `answer_precision` (computed as `rag-eval --answers` computes them), for a
range of trade-offs, and prints the mean pair of each: a frontier that no answer quoting whole
sentences (or, with `--clauses`, pieces cut at commas) passes on that set, whatever it retrieves. Gold
answers that paraphrase the guide, or are written in another language than their guide, keep it low.
The first row quotes the whole guide: the most coverage quoting can reach.

Usage::

    .venv/bin/python data/answer_ceiling.py --docs data/guides --qa data/eval/qa.jsonl [--report R] [--clauses] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from ingest.document import LoadError
from ingest.loaders import load_document
from ingest.text import split_sentences
from rag_app.commands.eval import answer_trigrams, load_qa

TRADE_OFFS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0)  # weight of precision against coverage
_CLAUSE = re.compile(r"(?<=[,，、;；:：])\s*")


def pieces(text: str, clauses: bool) -> list[str]:
    """What an answer can quote: the guide's sentences, line by line (or their clauses)."""
    found = []
    for line in text.splitlines():
        for sentence in split_sentences(line):
            found += _CLAUSE.split(sentence) if clauses else [sentence]
    return [p.strip() for p in found if p.strip()]


def best_quote(gold: set[str], candidates: list[set[str]], weight: float) -> tuple[float, float]:
    """(coverage, precision) of the pieces that, added one at a time, most raise coverage + weight x precision."""
    chosen: set[str] = set()
    best = (0.0, 0.0, 0.0)
    while True:
        step = None
        for grams in candidates:
            union = chosen | grams
            shared = len(union & gold)
            coverage, precision = shared / len(gold), shared / len(union)
            if coverage + weight * precision > best[0] + 1e-9:
                best, step = (coverage + weight * precision, coverage, precision), union
        if step is None:
            return best[1], best[2]
        chosen = step


def _gold(qa: Path, docs: Path, clauses: bool, answered: set[str] | None) -> list[tuple[set[str], list[set[str]]]]:
    """Each scored question's gold trigrams, with the trigrams of each piece of its gold guide."""
    guides: dict[str, list[set[str]]] = {}
    items = []
    for item in load_qa(qa):
        if not item.answer or not isinstance(item.source, str) or answered is not None and item.id not in answered:
            continue
        if item.source not in guides:
            text = "\n".join(b.text for b in load_document(docs / item.source, item.source).blocks)
            guides[item.source] = [g for g in map(answer_trigrams, pieces(text, clauses)) if g]
        gold = answer_trigrams(item.answer)
        if gold:
            items.append((gold, guides[item.source]))
    return items


def _answered(report: Path) -> set[str]:
    lines = (json.loads(line) for line in report.read_text(encoding="utf-8").splitlines() if line.strip())
    return {line["id"] for line in lines if line.get("answer_coverage") is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, required=True, help="the folder the QA file's sources are in")
    parser.add_argument("--qa", type=Path, required=True, help="a rag-eval QA file (JSON lines)")
    parser.add_argument("--clauses", action="store_true", help="quote pieces cut at commas, not whole sentences")
    parser.add_argument("--report", type=Path,
                        help="a `rag-eval --answers --report` file: only the questions it averaged over (answered)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    try:
        items = _gold(args.qa, args.docs, args.clauses, _answered(args.report) if args.report else None)
    except (OSError, ValueError, LoadError) as exc:  # a missing or malformed QA file, report or guide
        parser.error(str(exc))
    if not items:
        parser.error(f"{args.qa}: no question has both a gold 'answer' and a 'source'")
    whole = sum(len(gold & set().union(*candidates)) / len(gold) for gold, candidates in items) / len(items)
    rows = [{"precision_weight": None, "answer_coverage": round(whole, 4), "answer_precision": None}]
    for weight in TRADE_OFFS:
        pairs = [best_quote(gold, candidates, weight) for gold, candidates in items]
        rows.append({"precision_weight": weight,
                     "answer_coverage": round(sum(c for c, _ in pairs) / len(pairs), 4),
                     "answer_precision": round(sum(p for _, p in pairs) / len(pairs), 4)})
    if args.json:
        print(json.dumps({"questions": len(items), "clauses": args.clauses, "frontier": rows}))
        return 0
    print(f"{len(items)} questions, quoting {'clauses' if args.clauses else 'sentences'} of the gold guide")
    print("precision weight  answer_coverage  answer_precision")
    for row in rows:
        weight = "whole guide" if row["precision_weight"] is None else row["precision_weight"]
        precision = "" if row["answer_precision"] is None else f"{row['answer_precision']:.4f}"
        print(f"{weight!s:>16}  {row['answer_coverage']:15.4f}  {precision:>16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
