"""What the page tests share: where the app is, how long it may take, a real `streamlit run` server, and
markdown read as the eye reads it."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from support.net import free_port
from support.process import ServerProcess

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
APP_TIMEOUT_S = 120  # the first run loads the embedding model and jieba's dictionary
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
START_TIMEOUT_S = 60


_MARK = re.compile(r"</?mark[^>]*>")
_ESCAPED = re.compile(r"\\(.)")


def plain(markdown: str) -> str:
    """Markdown as the eye reads it: highlight tags and backslash escapes removed."""
    return _ESCAPED.sub(r"\1", _MARK.sub("", markdown))


@contextmanager
def streamlit_server(workdir: Path) -> Iterator[str]:
    """`streamlit run streamlit_app.py` in `workdir` with this process's environment; yields its URL once
    /_stcore/health answers."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    with ServerProcess(command, workdir, os.environ.copy(), log_name=f"streamlit-{port}.log") as server:
        url = f"http://127.0.0.1:{port}"
        server.wait_http(f"{url}/_stcore/health", START_TIMEOUT_S)
        yield url


@contextmanager
def browser_page(locale: str) -> Iterator[Page]:
    """A page of headless Debian Chromium in `locale` (the app's labels follow the browser's language)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` to install Debian's Chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(locale=locale, viewport={"width": 1280, "height": 900})
        finally:
            browser.close()
