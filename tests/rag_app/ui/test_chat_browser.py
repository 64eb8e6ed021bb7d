"""The real chat page in a real browser: `streamlit run` on loopback, driven by headless Debian Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support.ui import browser_page, streamlit_server

from rag_app.assistant import Assistant
from rag_app.settings import Settings

ANSWER_TIMEOUT_MS = 120_000  # the first question loads the embedding model


@pytest.fixture
def server(rag_env: Path, tmp_path: Path) -> Iterator[str]:
    with streamlit_server(tmp_path) as url:
        yield url


@pytest.mark.browser
@pytest.mark.server
def test_chinese_question_gets_a_cited_answer(server: str, tmp_path: Path) -> None:
    with browser_page("zh-CN") as page:
        page.goto(server)
        question = page.get_by_placeholder("请输入问题，例如：帐篷怎么清洁？")  # labels follow the browser
        question.fill("帐篷怎么清洁？", timeout=ANSWER_TIMEOUT_MS)
        question.press("Enter")

        citation = page.get_by_test_id("stExpander").first
        expect(citation).to_contain_text("tent_zh.md", timeout=ANSWER_TIMEOUT_MS)
        answer = page.get_by_test_id("stChatMessage").nth(1)
        expect(answer).to_contain_text("漂白剂")
        expect(answer).to_contain_text("[1]")
        citation.locator("summary").click()
        expect(citation).to_contain_text("用软毛刷刷掉干燥的泥土")
        page.screenshot(path=tmp_path / "chat_zh.png", full_page=True)


@pytest.fixture
def products_server(tmp_path: Path, product_guides: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The page over two sibling kettles and a stove, in extractive mode."""
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "rag"))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LLM_MODEL", "CHROMA_HOST"):
        monkeypatch.setenv(name, "")
    for name in ("STAFF_PASSWORD_HASH", "STAFF_EMAILS", "QUESTION_LOG"):
        monkeypatch.delenv(name, raising=False)
    assert Assistant(Settings(_env_file=None)).ingest([product_guides], progress=False).files_ingested == 3
    with streamlit_server(tmp_path) as url:
        yield url


@pytest.mark.browser
@pytest.mark.server
def test_products_picker_and_question_back_in_the_browser(products_server: str, tmp_path: Path) -> None:
    with browser_page("en-US") as page:
        page.goto(products_server)
        question = page.get_by_test_id("stChatInputTextArea")
        question.fill("What is the capacity of the kettle?", timeout=ANSWER_TIMEOUT_MS)
        question.press("Enter")

        # Two kettles answer differently: the page asks back, with one button per kettle.
        asked = page.get_by_test_id("stChatMessage").nth(1)
        expect(asked).to_contain_text("Which one do you mean", timeout=ANSWER_TIMEOUT_MS)
        asked.get_by_role("button", name="Acme K2").click()
        answered = page.get_by_test_id("stChatMessage").nth(3)
        expect(answered).to_contain_text("1.7 L", timeout=ANSWER_TIMEOUT_MS)
        expect(answered.get_by_test_id("stExpander")).to_have_count(1)
        expect(answered.get_by_test_id("stExpander").first).to_contain_text("kettle_k2.md")

        # Picking a product in the sidebar scopes the next answers to it: no question back.
        page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").click()
        page.get_by_role("option", name="Acme K1").click()
        page.keyboard.press("Escape")
        question.fill("How often should I descale the kettle?")
        question.press("Enter")
        scoped = page.get_by_test_id("stChatMessage").nth(5)
        expect(scoped).to_contain_text("4 weeks", timeout=ANSWER_TIMEOUT_MS)
        citations = scoped.get_by_test_id("stExpander")
        for label in citations.all_inner_texts():
            assert "kettle_k1.md" in label, label
        page.screenshot(path=tmp_path / "products.png", full_page=True)
