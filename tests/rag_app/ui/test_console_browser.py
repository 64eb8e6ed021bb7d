"""Chat and console in a real browser: what customers cannot see, staff sign-in, and the questions log.

Screenshots (chat, console sign-in, unanswered questions) go to the test's tmp folder for a person to look at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from support.ui import browser_page, streamlit_server

from rag_app.ui.auth import hash_password

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

PASSWORD = "staff password 1"
ANSWER_TIMEOUT_MS = 120_000  # the first question loads the embedding model
BOOTS_GUIDE = "# Boot care\n\n## Drying\nDry wet boots at room temperature, never next to a fire.\n"


@pytest.fixture
def staff_server(rag_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("STAFF_PASSWORD_HASH", hash_password(PASSWORD))
    with streamlit_server(tmp_path) as url:
        yield url


@pytest.fixture
def page() -> Iterator[Page]:
    with browser_page("zh-CN") as page:
        yield page


def ask(page: Page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question, timeout=ANSWER_TIMEOUT_MS)
    box.press("Enter")


def answer(page: Page, n: int) -> object:
    """The n-th answer (0-based), once its 👍/👎 are shown: the answer is then complete."""
    message = page.get_by_test_id("stChatMessage").nth(2 * n + 1)
    expect(message.get_by_test_id("stFeedback")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    return message


def test_customers_cannot_change_the_guides_and_staff_learn_what_was_not_answered(
        staff_server: str, page: Page, rag_env: Path, tmp_path: Path) -> None:
    page.goto(staff_server)
    ask(page, "帐篷怎么清洁？")
    expect(answer(page, 0)).to_contain_text("漂白剂")
    body = page.locator("body")
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
    expect(page.get_by_test_id("stDownloadButton")).to_have_count(0)
    expect(page.get_by_role("button", name="删除")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)  # no way to the console from here
    for internal in ("multilingual-e5", "chroma", str(rag_env)):
        expect(body).not_to_contain_text(internal)
    page.screenshot(path=tmp_path / "chat.png", full_page=True)

    page.goto(staff_server + "/console")
    password = page.get_by_label("密码")
    password.fill("not the password")
    password.press("Enter")
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("密码不正确")
    expect(page.get_by_test_id("stTabs")).to_have_count(0)
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
    expect(body).not_to_contain_text("tent_zh.md")
    page.screenshot(path=tmp_path / "console_sign_in.png", full_page=True)

    password.fill(PASSWORD)
    password.press("Enter")
    expect(page.get_by_role("tab", name="指南")).to_be_visible()
    guide = tmp_path / "boots_en.md"
    guide.write_text(BOOTS_GUIDE, encoding="utf-8")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(guide)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("boots_en.md：已入库",
                                                                          timeout=ANSWER_TIMEOUT_MS)
    page.get_by_role("combobox").first.click()  # open a guide: its chunks as stored
    page.get_by_role("option", name="tent_zh.md").click()
    expect(page.get_by_test_id("stTabPanel").first.get_by_test_id("stExpander")).to_have_count(3)
    page.screenshot(path=tmp_path / "console_guides.png", full_page=True)

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="问答").click()  # same session: still signed in
    ask(page, "How do I dry wet boots?")
    expect(answer(page, 0)).to_contain_text("room temperature")
    expect(page.get_by_test_id("stExpander").first).to_contain_text("boots_en.md")
    answer(page, 0).get_by_test_id("stFeedback").locator("button").nth(1).click()  # 👎
    ask(page, "怎么装车顶帐篷")
    expect(answer(page, 1)).to_contain_text("无法回答")
    ask(page, "车顶帐篷安装步骤")
    expect(answer(page, 2)).to_contain_text("无法回答")

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="管理后台").click()
    page.get_by_role("tab", name="未回答的问题").click()
    panel = page.get_by_test_id("stTabPanel").nth(1)  # hidden tabs are in the page too
    first = panel.get_by_test_id("stExpander").first
    expect(first).to_contain_text("2×", timeout=ANSWER_TIMEOUT_MS)
    first.locator("summary").click()
    expect(first).to_contain_text("怎么装车顶帐篷")
    expect(first).to_contain_text("车顶帐篷安装步骤")
    expect(panel).to_contain_text("How do I dry wet boots?")  # the 👎, a group of its own
    export_group = first.get_by_test_id("stDownloadButton").locator("button")
    expect(export_group).to_be_in_viewport(ratio=1)  # the expander has finished opening
    page.screenshot(path=tmp_path / "unanswered.png", full_page=True)

    with page.expect_download(timeout=ANSWER_TIMEOUT_MS) as download:
        export_group.click()
    cases = [json.loads(line) for line in Path(download.value.path()).read_text(encoding="utf-8").splitlines()]
    assert sorted(c["question"] for c in cases) == ["怎么装车顶帐篷", "车顶帐篷安装步骤"]
    assert all(c["source"] is None for c in cases)

    page.get_by_role("tab", name="质量").click()
    quality = page.get_by_test_id("stTabPanel").nth(2)
    export = quality.get_by_role("button", name="导出差评问题为评测用例")
    expect(export).to_be_enabled()  # enabled once the page counts the 👎: its export then holds it
    with page.expect_download(timeout=ANSWER_TIMEOUT_MS) as download:
        export.click()
    item = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert item["question"] == "How do I dry wet boots?" and item["source"] == "boots_en.md"
    page.screenshot(path=tmp_path / "console_quality.png", full_page=True)


def test_without_a_staff_credential_the_console_does_not_exist(rag_env: Path, tmp_path: Path, page: Page) -> None:
    with streamlit_server(tmp_path) as url:
        page.goto(url + "/console")
        expect(page.get_by_test_id("stChatInput")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)  # the chat instead
        expect(page.get_by_label("密码")).to_have_count(0)
        expect(page.get_by_test_id("stTabs")).to_have_count(0)
