"""Server mode: the same knowledge base on a real `chroma run` server on a loopback port."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.net import free_port
from support.process import ServerProcess

from rag_app.assistant import Assistant
from rag_app.settings import Settings

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    command = [chroma, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)]
    with ServerProcess(command, tmp_path, log_name="chroma.log") as server:
        server.wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", 120)
        yield port


def test_ingest_and_retrieve_through_a_chroma_server(
    chroma_server: int, tmp_path: Path, small_guides: Path
) -> None:
    settings = Settings(_env_file=None, rag_data_dir=tmp_path / "local", chroma_host="127.0.0.1", chroma_port=chroma_server)
    assistant = Assistant(settings)
    report = assistant.ingest([small_guides], progress=False)
    assert report.files_ingested == 2 and report.chunks_added == assistant.store.count() > 0
    top = assistant.retrieve("怎么去掉帐篷上的树汁？", 3)[0]
    assert top.metadata["source"] == "tent_zh.md" and "矿物油" in top.page_content

    # Another machine (no local keyword index) sees the same knowledge base.
    elsewhere = Assistant(settings.model_copy(update={"rag_data_dir": tmp_path / "other"}))
    assert elsewhere.store.count() == assistant.store.count()
    assert elsewhere.retrieve("clean the stove jet", 3)[0].metadata["source"] == "stove_en.md"


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, rag_data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(Exception, match="CHROMA_HOST"):
        Assistant(settings)
