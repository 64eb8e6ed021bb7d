"""Render the Markdown sample guides the way a PDF-to-Markdown converter leaves a real manual.

Lines are wrapped at a page's width (Chinese words now and then split by a space), every page break
leaves a page number and a running header behind, often in the middle of a paragraph, and image
references appear; optionally headings become bold lines and Chinese steps lose their list markup
("1、"). The other guides and the sidecars are copied. For measuring how ingestion and answers stand up
to converted manuals (README, "Converted manuals"); the output is the same for the same seed.

Usage::

    python data/convert_like_pdf.py OUT_DIR [--source data/guides] [--bold-headings 0.6] [--plain-steps]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

HAN = re.compile(r"[\u4e00-\u9fff]")
LINES_PER_PAGE = 30
SPLIT_WORD_RATE = 0.03  # spaces a converter leaves between two Chinese characters


def convert(text: str, rng: random.Random, bold_headings: float = 0.0, plain_steps: bool = False) -> str:
    """One guide's Markdown as a converter would have written it."""
    lines = text.splitlines()
    title = next((line[2:] for line in lines if line.startswith("# ")), "")
    header = title[:16] + (" 使用与保养" if HAN.search(title) else " Care Guide")
    out: list[str] = []
    page, count = 1, 0

    def page_break() -> None:
        nonlocal page, count
        page += 1
        count = 0
        out.extend(["", f"- {page} -" if rng.random() < 0.5 else str(page), "", header, ""])
        if rng.random() < 0.3:
            out.extend([f"![](images/page{page}_{rng.randint(1, 9)}.jpg)", ""])

    for line in lines:
        if plain_steps and HAN.search(line):
            line = re.sub(r"^(\d{1,2})\. ", r"\1、", line)
        if line.startswith(("## ", "### ", "#### ")) and rng.random() < bold_headings:
            out.append("**" + line.lstrip("#").strip() + "**")
            count += 1
        elif line.startswith(("#", "|")) or not line.strip():
            out.append(line)
            count += 1
        else:
            pieces = _wrapped(line, rng)
            for index, piece in enumerate(pieces):
                out.append(piece)
                count += 1
                if count > LINES_PER_PAGE * 3 // 4 and index < len(pieces) - 1 and rng.random() < 0.3:
                    page_break()  # the page ends inside the paragraph
        if count > LINES_PER_PAGE and not line.startswith("|"):
            page_break()
    return "\n".join(out) + "\n"


def _wrapped(line: str, rng: random.Random) -> list[str]:
    """The line cut at a page's width: by characters in Chinese (never inside a number or a Latin word),
    by words in English."""
    if not HAN.search(line):
        width, pieces, current = rng.randint(60, 80), [], ""
        for word in line.split(" "):
            current = f"{current} {word}" if current else word
            if len(current) >= width:
                pieces.append(current)
                current = ""
        return pieces + [current] if current else pieces
    width, pieces, current = rng.randint(26, 38), [], ""
    for char in line:
        current += char + (" " if HAN.match(char) and rng.random() < SPLIT_WORD_RATE else "")
        if len(current) >= width and not char.isascii():
            pieces.append(current)
            current = ""
    return pieces + [current] if current else pieces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (replaced)")
    parser.add_argument("--source", type=Path, default=Path(__file__).parent / "guides")
    parser.add_argument("--bold-headings", type=float, default=0.0, help="share of headings made bold lines")
    parser.add_argument("--plain-steps", action="store_true", help="Chinese steps as 1、 lines")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    for path in sorted(args.source.iterdir()):
        if path.suffix == ".md":
            converted = convert(path.read_text(encoding="utf-8"), rng, args.bold_headings, args.plain_steps)
            (args.out / path.name).write_text(converted, encoding="utf-8")
        elif path.is_file() and path.name != "qa.jsonl":
            shutil.copy(path, args.out / path.name)


if __name__ == "__main__":
    main()
