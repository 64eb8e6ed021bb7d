"""The page's pure helpers: markdown escaping, highlighting, citations, streams, wording."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from ingest.text import Tokenizer
from rag_app.answer import Answer
from rag_app.answer.stream import AnswerStream
from rag_app.indexing import IngestReport
from rag_app.ui.chat import Turn, answer_markdown, guide_suggestion, history, upload_outcome
from rag_app.ui.citations import HIGHLIGHT, citation_label, cited_sources, escape_markdown, highlight
from rag_app.ui.i18n import language_of_locale


@pytest.fixture(scope="module")
def tokenize() -> Tokenizer:
    return Tokenizer()


def passage(n: int, **meta: object) -> Document:
    return Document(page_content=f"passage {n}", metadata={"source": f"g{n}.md", "section": "", **meta})


def test_escape_markdown_shows_guide_text_literally() -> None:
    text = "## Filter *(HEPA)*\n    1. Costs $5 [see](x) | 50% ~off~\n\n- item"
    assert escape_markdown(text) == (
        "\\#\\# Filter \\*\\(HEPA\\)\\*  \n1\\. Costs \\$5 \\[see\\]\\(x\\) \\| 50% \\~off\\~  \n  \n\\- item"
    )


def test_highlight_matches_english_stems_and_skips_stop_words(tokenize: Tokenizer) -> None:
    marked = highlight("Cleaning the burner: brush the burners.", "How do I clean the burner?", tokenize)
    assert marked == (f"{HIGHLIGHT.format('Cleaning')} the {HIGHLIGHT.format('burner')}\\: brush the "
                      f"{HIGHLIGHT.format('burners')}\\.")


def test_highlight_finds_chinese_words_and_escapes_inside_marks(tokenize: Tokenizer) -> None:
    marked = highlight("1. 清洁[滤网]后晾干\n滤网每月清洁一次", "滤网怎么清洁？", tokenize)
    assert marked == (f"1\\. {HIGHLIGHT.format('清洁')}\\[{HIGHLIGHT.format('滤网')}\\]后晾干  \n"
                      f"{HIGHLIGHT.format('滤网')}每月{HIGHLIGHT.format('清洁')}一次")


def test_cited_sources_keep_numbers_and_fall_back_to_all() -> None:
    docs = [passage(1), passage(2), passage(3)]
    cited = Answer("A [3]. B [1][3].", refused=False, mode="llm", sources=docs)
    assert cited_sources(cited) == [(1, docs[0]), (3, docs[2])]
    uncited = Answer("A.", refused=False, mode="llm", sources=docs[:2])
    assert cited_sources(uncited) == [(1, docs[0]), (2, docs[1])]


def test_citation_label_names_guide_section_and_page() -> None:
    doc = passage(1, section="Care > Filter_2", page=4)
    assert citation_label(2, doc) == "\\[2\\] g1\\.md › Filter\\_2 · p\\. 4"


def test_answer_stream_yields_deltas_then_keeps_the_answer() -> None:
    final = Answer("Hello [1]", refused=False, mode="llm", sources=[passage(1)])
    stream = AnswerStream(iter(["Hel", "lo", final]))
    stream.start()
    assert list(stream) == ["Hel", "lo"] and stream.answer is final


def test_answer_stream_ending_completes_the_deltas_to_the_final_answer() -> None:
    refusal = Answer("The guides don't cover this. Try rephrasing.", refused=True, mode="llm", sources=[])
    extended = AnswerStream(iter(["The guides don't cover this.", refusal]))
    assert "".join(extended) + extended.ending() == refusal.text and not extended.revised()

    quotes = Answer("Quoted from the guides:\n- Unplug it. [1]", refused=False, mode="extractive",
                    sources=[passage(1)], notice="The language model is unavailable")
    failed = AnswerStream(iter(["Partial ans", quotes]))
    assert list(failed) == ["Partial ans"] and failed.revised()
    assert failed.ending() == "\n\n" + quotes.text

    corrected = Answer("Unplug it [1].", refused=False, mode="llm", sources=[passage(1)])
    dropped = AnswerStream(iter(["Unplug it [1][9].", corrected]))
    list(dropped)
    assert dropped.revised() and dropped.ending() == ""


def test_history_alternates_questions_and_final_answers() -> None:
    turn = Turn("帐篷怎么清洁？", Answer("用温水 [1]", refused=False, mode="llm", sources=[]))
    assert history([turn]) == [{"role": "user", "content": "帐篷怎么清洁？"},
                               {"role": "assistant", "content": "用温水 [1]"}]


def test_answer_markdown_keeps_prices_and_quoted_steps_literal() -> None:
    assert answer_markdown("A filter costs $5 to $8 [1]") == "A filter costs \\$5 to \\$8 [1]"
    assert answer_markdown("Steps:\n- 1. Unzip [1]\n- 2) Soak [1]") == "Steps:\n- 1\\. Unzip [1]\n- 2\\) Soak [1]"


def test_upload_outcomes_name_the_uploaded_file() -> None:
    failed = IngestReport(files_seen=1, files_failed=1,
                          errors=["my_guide.pdf (my guide.pdf): cannot parse the .pdf file (x: y)"])
    assert upload_outcome("my guide.pdf", failed, "en") == (
        "error", "my guide.pdf: could not be ingested — cannot parse the .pdf file (x: y)")
    assert upload_outcome("a.md", IngestReport(files_seen=1, files_skipped=1), "en")[0] == "info"
    assert upload_outcome("a.md", IngestReport(files_seen=1, files_ingested=1, chunks_added=3), "zh") == (
        "success", "a.md：已入库，新增 3 个片段")


def test_guide_suggestion_lists_a_bounded_number_of_guides() -> None:
    text = guide_suggestion([f"guide_{n:02}.md" for n in range(15)], "en")
    assert text.splitlines()[1] == "- guide\\_00\\.md" and text.splitlines()[-1] == "- … (+3)"


@pytest.mark.parametrize(("locale", "lang"), [("zh-CN", "zh"), ("zh-Hant-TW", "zh"), ("en-US", "en"),
                                              ("fr-FR", "en"), (None, "en")])
def test_browser_locale_picks_the_labels(locale: str | None, lang: str) -> None:
    assert language_of_locale(locale) == lang
