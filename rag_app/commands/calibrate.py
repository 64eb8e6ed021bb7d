"""`rag-calibrate`: measure the relevance gate's thresholds for the knowledge base (also done after ingest)."""

from __future__ import annotations

import argparse
import json

from rag_app.assistant import Assistant
from rag_app.commands.errors import user_errors
from rag_app.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="rag-calibrate",
        description="Ask the built-in bank of questions no guide answers, and questions made from the guides' "
                    "own headings, of this knowledge base; store the thresholds the gate refuses by.",
    )
    parser.add_argument("--json", action="store_true", help="print the calibration as one JSON object")
    args = parser.parse_args(argv)
    with user_errors():
        assistant = Assistant(Settings())
        if assistant.store.count() == 0:
            parser.exit(1, "rag-calibrate: the knowledge base is empty; ingest guides first (rag-ingest PATH)\n")
        calibration = assistant.calibrate()
    if args.json:
        print(json.dumps(calibration.summary(), ensure_ascii=False))
        return 0
    for language, limits in calibration.thresholds.items():
        scores = calibration.bank_scores.get(language, {})
        print(f"{language}: refuse below {limits.threshold:.4f}, answer on similarity alone from "
              f"{limits.confident:.4f} (bank best passages: {scores})")
    print(f"between them: answer when the passages hold >= {calibration.min_coverage:.0%} of the question's "
          f"terms; refuse when > {calibration.max_absent:.0%} of its terms appear nowhere in the guides")
    print(f"self-check: {calibration.self_check}")
    if calibration.overridden:
        print(f"overridden by settings: {', '.join(calibration.overridden)}")
    return 0
