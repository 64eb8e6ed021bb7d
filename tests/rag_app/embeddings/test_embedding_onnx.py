"""EMBEDDING_BACKEND: the sentence-transformers engine under ONNX Runtime (fp32 and int8) and its fallback."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from rag_app.embeddings import GuideEmbeddings, SentenceTransformerEngine, make_embeddings, onnx_backend
from rag_app.embeddings.onnx_backend import OnnxExportError
from rag_app.settings import Settings

QUESTION = "How often should I clean the dishwasher filter?"
PASSAGES = [
    "To descale the coffee maker, fill the water tank with a descaling solution and run two brewing cycles.",
    "Clean the dishwasher filter every two weeks: twist it out, rinse it under warm water and refit it.",
    "洗碗机过滤网每两周清洗一次。如果显示故障代码E21，请检查排水泵。",
    "filter",
    "Load plates in the lower rack facing the spray arm; glasses go in the upper rack. " * 12,
]


def _engine(runtime: str, cache: Path | None, batch_size: int = 32) -> SentenceTransformerEngine:
    return SentenceTransformerEngine(
        "all-MiniLM-L6-v2", device="cpu", runtime=runtime, onnx_cache=cache, batch_size=batch_size  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return _engine("torch", None).embed(PASSAGES, "document")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


def test_onnx_gives_torch_vectors_and_is_exported_once(torch_vectors: np.ndarray, cache: Path) -> None:
    engine = _engine("onnx", cache, batch_size=2)
    assert engine.runtime == "onnx"
    np.testing.assert_allclose(engine.embed(PASSAGES, "document"), torch_vectors, atol=1e-5)
    exported = sorted(cache.rglob("*.onnx"))
    assert [p.name for p in exported] == ["model.onnx"]
    stamp = exported[0].stat().st_mtime_ns
    again = _engine("onnx", cache)
    assert exported[0].stat().st_mtime_ns == stamp and sorted(cache.rglob("*.onnx")) == exported
    np.testing.assert_allclose(again.embed(PASSAGES[:2], "query"), _engine("torch", None).embed(PASSAGES[:2], "query"),
                               atol=1e-5)


def test_int8_stays_within_099_cosine_and_ranks_the_same(torch_vectors: np.ndarray, cache: Path) -> None:
    embeddings = GuideEmbeddings(_engine("onnx-int8", cache))
    vectors = np.array(embeddings.embed_documents(PASSAGES))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(vectors * torch_vectors, axis=1)) >= 0.99
    assert int(np.argmax(vectors @ np.array(embeddings.embed_query(QUESTION)))) == 1
    assert {p.name for p in cache.rglob("*.onnx")} == {"model.onnx", "model-int8.onnx"}


def test_settings_choose_the_backend_and_the_cache(tmp_path: Path) -> None:
    auto = make_embeddings(Settings(_env_file=None, rag_data_dir=tmp_path, embedding_model="all-MiniLM-L6-v2",
                                    embedding_device="cpu"))
    assert auto.engine.runtime == "onnx"  # type: ignore[attr-defined]
    assert auto.fingerprint == "st:all-MiniLM-L6-v2:384"  # same vector space as torch: stores stay usable
    assert list((tmp_path / "onnx").rglob("model.onnx"))
    forced = make_embeddings(Settings(_env_file=None, rag_data_dir=tmp_path, embedding_model="all-MiniLM-L6-v2",
                                      embedding_device="cpu", embedding_backend="torch"))
    assert forced.engine.runtime == "torch"  # type: ignore[attr-defined]


def test_a_model_that_does_not_export_runs_with_torch_under_auto(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, torch_vectors: np.ndarray, tmp_path: Path
) -> None:
    def refuse(*args: object) -> None:
        raise OnnxExportError("exported graph differs from torch by 1.00e+00")

    monkeypatch.setattr(onnx_backend, "_export", refuse)
    with caplog.at_level(logging.WARNING):
        engine = _engine("auto", tmp_path)
    assert engine.runtime == "torch" and "running it with torch" in caplog.text
    np.testing.assert_allclose(engine.embed(PASSAGES, "document"), torch_vectors, atol=1e-6)
    with pytest.raises(OnnxExportError):
        _engine("onnx", tmp_path)


def test_onnx_backend_needs_the_cpu() -> None:
    with pytest.raises(ValueError, match="EMBEDDING_DEVICE=cpu"):
        SentenceTransformerEngine("all-MiniLM-L6-v2", device="meta", runtime="onnx")


def test_export_and_quantization_leave_the_working_directory_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "project"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    _engine("onnx-int8", Path("relative-cache"))
    assert Path.cwd() == workdir
    assert {p.name for p in (workdir / "relative-cache").rglob("*.onnx")} == {"model.onnx", "model-int8.onnx"}
    assert [p.name for p in workdir.iterdir()] == ["relative-cache"]
