"""`rag-ask` as a user runs it: streamed, cited, in the question's language, and as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.fake_llm import FakeLLM, Fault

from rag_app.assistant import Assistant
from rag_app.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir(tmp_path: Path, small_guides: Path) -> Path:
    data = tmp_path / "data"
    Assistant(Settings(_env_file=None, rag_data_dir=data)).ingest([small_guides], progress=False)
    return data


def _rag_ask(data_dir: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LLM_"))}
    env.update(RAG_DATA_DIR=str(data_dir), **settings)
    return subprocess.run(
        [sys.executable, "-c", "from rag_app.commands.ask import main; raise SystemExit(main())", *args],
        capture_output=True, text=True, env=env, check=False, cwd=data_dir,  # no developer's .env
    )


def test_answers_a_chinese_question_with_citations_under_it(data_dir: Path) -> None:
    result = _rag_ask(data_dir, "帐篷上的树汁怎么去掉？")
    assert result.returncode == 0, result.stderr
    assert "以下内容摘自指南" in result.stdout and "矿物油" in result.stdout and "[1]" in result.stdout
    assert "[1] tent_zh.md › 山岭 2 人帐篷保养指南 > 清洁 > 去除树汁" in result.stdout


def test_json_is_the_api_object_and_off_topic_questions_are_refused(data_dir: Path) -> None:
    result = _rag_ask(data_dir, "What is the capital of Australia?", "--json")
    payload = json.loads(result.stdout)
    assert set(payload) >= {"answer", "mode", "refused", "sources", "session_id"}
    assert payload["refused"] is True and payload["mode"] == "extractive"
    assert "don't cover" in payload["answer"]
    answered = json.loads(_rag_ask(data_dir, "How do I clean the stove jet?", "--json", "--k", "2").stdout)
    assert answered["refused"] is False and len(answered["sources"]) == 2
    assert answered["sources"][0]["source"] == "stove_en.md"


def test_an_llm_that_fails_mid_stream_is_followed_by_the_quotes_and_their_citations(
    data_dir: Path, fake_llm: FakeLLM
) -> None:
    fake_llm.reply(Fault.DROP)
    result = _rag_ask(data_dir, "How do I clean the stove jet?", OPENAI_BASE_URL=fake_llm.base_url, LLM_MODEL="m")
    assert result.returncode == 0, result.stderr
    streamed, _, rest = result.stdout.partition("Quoted from the guides:")
    # the answer names its product (the knowledge base holds two, untagged) once, before the words streamed
    assert streamed.startswith("(Product: TrailFlame Camping Stove)\n\nPartial ans") and "cleaning needle" in rest
    assert result.stdout.count("(Product: TrailFlame Camping Stove)") == 1
    assert "[1] stove_en.md › TrailFlame Camping Stove Care > Cleaning the burner" in rest
    assert "language model is unavailable" in result.stderr
@pytest.fixture
def product_data_dir(tmp_path: Path, product_guides: Path) -> Path:
    data = tmp_path / "products-data"
    Assistant(Settings(_env_file=None, rag_data_dir=data)).ingest([product_guides], progress=False)
    return data


def test_product_option_scopes_the_answer_and_a_question_back_lists_the_options(product_data_dir: Path) -> None:
    scoped = json.loads(_rag_ask(product_data_dir, "What is the capacity of the kettle?", "--json",
                                 "--product", "Acme K2").stdout)
    assert scoped["clarify"] is None and {s["source"] for s in scoped["sources"]} == {"kettle_k2.md"}
    passages = json.loads(_rag_ask(product_data_dir, "descaling", "--retrieve-only", "--json",
                                   "--product", "Acme K1", "--product", "Acme K2").stdout)
    assert passages and {p["source"] for p in passages} <= {"kettle_k1.md", "kettle_k2.md"}

    asked = _rag_ask(product_data_dir, "What is the capacity of the kettle?")
    assert asked.returncode == 0, asked.stderr
    assert "Which one do you mean" in asked.stdout
    assert "--product 'Acme K1'" in asked.stdout and "--product 'Acme K2'" in asked.stdout


def test_ingest_product_option_tags_every_guide(tmp_path: Path, product_guides: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LLM_"))}
    env["RAG_DATA_DIR"] = str(tmp_path / "tagged")
    done = subprocess.run(
        [sys.executable, "-c", "from rag_app.commands.ingest import main; raise SystemExit(main())",
         str(product_guides / "stove_en.md"), "--product", "Stove X", "--json"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr
    helper = Assistant(Settings(_env_file=None, rag_data_dir=tmp_path / "tagged"))
    assert helper.products() == ["Stove X"]
