"""The real chat page in a real browser: `streamlit run` on loopback, driven by headless Debian Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from support.ui import CHROMIUM, CHROMIUM_ARGS, streamlit_server

ANSWER_TIMEOUT_MS = 120_000  # the first question loads the embedding model


@pytest.fixture
def server(rag_env: Path, tmp_path: Path) -> Iterator[str]:
    with streamlit_server(tmp_path) as url:
        yield url


@pytest.mark.browser
@pytest.mark.server
def test_chinese_question_gets_a_cited_answer(server: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` to install Debian's Chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
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
        finally:
            browser.close()
