"""Fixtures shared across the test suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_llm import FakeLLM


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A scriptable OpenAI-compatible chat server on 127.0.0.1 (see tests/fake_llm.py)."""
    with FakeLLM() as server:
        yield server
