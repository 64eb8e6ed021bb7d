"""`rag-ask`: a streamed, cited answer from the guides in the terminal (a thin shell over the Assistant)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from rag_app.answer import Answer
from rag_app.answer.stream import AnswerStream
from rag_app.api.schemas import Source, ask_response
from rag_app.assistant import Assistant
from rag_app.commands.errors import user_errors
from rag_app.settings import Settings

REVISED_RULE = "―" * 20


def format_citations(answer: Answer) -> str:
    """`[n] guide › section (p. N)` lines, so every number in the answer resolves to a place."""
    lines = []
    for number, doc in enumerate(answer.sources, start=1):
        meta = doc.metadata
        where = " › ".join(part for part in (meta.get("source"), meta.get("section")) if part)
        page = f" (p. {meta['page']})" if meta.get("page") else ""
        lines.append(f"[{number}] {where}{page}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rag-ask", description="Answer a question from the guides, cited.")
    parser.add_argument("question")
    parser.add_argument("--k", type=int, default=None, help="passages to use (default RETRIEVAL_K)")
    parser.add_argument("--json", action="store_true", help="print the POST /v1/ask response object")
    parser.add_argument("--retrieve-only", action="store_true", help="show the passages, no answer")
    parser.add_argument("--product", action="append", metavar="NAME",
                        help="answer from this product's guides only (repeat for several)")
    args = parser.parse_args(argv)
    if not args.question.strip():
        parser.error("the question is empty")
    filters = {"product": args.product} if args.product else None
    with user_errors():
        assistant = Assistant(Settings())
        if args.retrieve_only:
            passages = assistant.retrieve(args.question, args.k, filters)
            if args.json:
                print(json.dumps([Source.from_document(p).model_dump() for p in passages], ensure_ascii=False))
            else:
                for number, doc in enumerate(passages, start=1):
                    meta = doc.metadata
                    print(f"[{number}] {meta['source']} › {meta.get('section', '')} (score {meta['score']:.3f})")
                    print("    " + doc.page_content.replace("\n", "\n    "))
            return 0
        if args.json:
            answer = assistant.ask(args.question, k=args.k, filters=filters)
            print(json.dumps(ask_response(answer, None, assistant.calibration), ensure_ascii=False))
            return 0
        stream = AnswerStream(assistant.stream(args.question, k=args.k, filters=filters))
        for delta in stream:
            sys.stdout.write(delta)
            sys.stdout.flush()
    final = stream.answer
    sys.stdout.write(stream.ending())
    if stream.revised() and not stream.ending():
        # What was streamed cited a passage that does not exist: show the corrected answer whole.
        print(f"\n\n{REVISED_RULE}\n{final.text}", end="")
    print()
    if final.notice:
        print(f"\n({final.notice})", file=sys.stderr)
    if final.sources:
        print("\n" + format_citations(final))
    if final.clarify is not None:
        for option in final.clarify.options:
            print(f"  --product {shlex.quote(option['product'])}")
    return 0
