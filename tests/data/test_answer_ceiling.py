"""data/answer_ceiling.py, run as the maintainers run it: what quoting a set's gold guide can reach."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each run imports the package in a new interpreter

SCRIPT = Path(__file__).resolve().parents[2] / "data" / "answer_ceiling.py"
GUIDE = """# Kettle care

## Descaling

Fill the kettle with 500 ml of water and 2 tablespoons of citric acid. Boil it, leave it for 30 minutes, then
rinse twice. Descale every month in hard-water areas.

## Warranty

The kettle has a 2-year warranty.
"""


def ceiling(tmp_path: Path, *qa: dict[str, str], clauses: bool = False) -> dict:
    (tmp_path / "kettle.md").write_text(GUIDE, encoding="utf-8")
    qa_file = tmp_path / "qa.jsonl"
    qa_file.write_text("".join(json.dumps(item) + "\n" for item in qa), encoding="utf-8")
    args = [sys.executable, str(SCRIPT), "--docs", str(tmp_path), "--qa", str(qa_file), "--json"]
    done = subprocess.run(args + (["--clauses"] if clauses else []), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_a_gold_answer_in_the_guides_words_is_reached_one_in_another_language_is_not(tmp_path: Path) -> None:
    quoted = {"id": "q1", "question": "How long is the warranty?", "answer": "The kettle has a 2-year warranty.",
              "source": "kettle.md"}
    translated = {"id": "q2", "question": "保修多久？", "answer": "水壶保修两年。", "source": "kettle.md"}

    reached = ceiling(tmp_path, quoted)["frontier"]
    assert all(row["answer_coverage"] == 1.0 for row in reached)
    assert all(row["answer_precision"] == 1.0 for row in reached[1:])
    # no sentence of an English guide holds a Chinese gold answer's trigrams: half the questions reach nothing
    both = ceiling(tmp_path, quoted, translated)
    assert both["questions"] == 2
    assert max(row["answer_coverage"] for row in both["frontier"]) == 0.5


def test_a_paraphrase_leaves_a_frontier_that_cutting_at_commas_moves_out(tmp_path: Path) -> None:
    paraphrase = {"id": "q1", "question": "How do I descale it?", "source": "kettle.md",
                  "answer": "Boil 500 ml of water with 2 tablespoons of citric acid and rinse twice."}

    sentences = ceiling(tmp_path, paraphrase)["frontier"]
    clauses = ceiling(tmp_path, paraphrase, clauses=True)["frontier"]

    # more weight on precision trades coverage away, and no quote reaches both in full
    assert sentences[1]["answer_coverage"] >= sentences[-1]["answer_coverage"]
    assert all(row["answer_precision"] < 1.0 for row in sentences[1:])
    # quoting "rinse twice." alone rather than the sentence around it is more precise
    assert max(row["answer_precision"] for row in clauses[1:]) > max(row["answer_precision"] for row in sentences[1:])


def test_a_gold_guide_that_is_not_there_is_named_in_the_error(tmp_path: Path) -> None:
    qa_file = tmp_path / "qa.jsonl"
    qa_file.write_text(json.dumps({"id": "q1", "question": "?", "answer": "Descale monthly.", "source": "gone.md"}) + "\n",
                       encoding="utf-8")

    done = subprocess.run([sys.executable, str(SCRIPT), "--docs", str(tmp_path), "--qa", str(qa_file)],
                          check=False, capture_output=True, text=True)

    assert done.returncode == 2 and "gone.md" in done.stderr and "Traceback" not in done.stderr
