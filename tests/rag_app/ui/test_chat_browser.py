"""The real page in a real browser: `streamlit run` on loopback, driven by headless Debian Chromium."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import APP
from playwright.sync_api import expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
START_TIMEOUT_S = 60
ANSWER_TIMEOUT_MS = 120_000  # the first question loads the embedding model


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(rag_env: Path, tmp_path: Path) -> Iterator[str]:
    """`streamlit run streamlit_app.py` over the tiny corpus; yields its URL once /_stcore/health answers."""
    port = free_port()
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=tmp_path, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, (tmp_path / "streamlit.log").read_text()
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text()
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.browser
@pytest.mark.server
def test_chinese_question_gets_a_cited_answer_and_a_thumbs_down_exports(server: str, tmp_path: Path) -> None:
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

            page.get_by_test_id("stFeedback").first.locator("button").nth(1).click()  # 👎
            export = page.get_by_role("button", name="导出 👎 问题为评测集")
            expect(export).to_be_enabled()
            with page.expect_download() as download:
                export.click()
            item = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
            assert item["question"] == "帐篷怎么清洁？" and item["source"] == "tent_zh.md"
        finally:
            browser.close()
