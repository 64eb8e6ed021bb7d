"""Ingest end to end: incremental, crash-safe, pruning, per-file errors, and the rag-ingest command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.text import Tokenizer
from rag_app.assistant import Assistant
from rag_app.keyword import KeywordIndex
from rag_app.settings import Settings


@pytest.fixture
def assistant(tmp_path: Path) -> Assistant:
    return Assistant(Settings(_env_file=None, rag_data_dir=tmp_path / "data"))


def test_second_ingest_adds_nothing_and_edits_reingest_one_file(assistant: Assistant, small_guides: Path) -> None:
    first = assistant.ingest([small_guides], progress=False)
    assert first.files_ingested == 2 and first.chunks_added > 0 and first.files_failed == 0
    total = assistant.store.count()

    again = assistant.ingest([small_guides], progress=False)
    assert (again.files_skipped, again.files_ingested, again.chunks_added, again.chunks_deleted) == (2, 0, 0, 0)

    guide = small_guides / "stove_en.md"
    guide.write_text(guide.read_text() + "\n## Fuel\nUse only isobutane-propane canisters.\n", encoding="utf-8")
    edited = assistant.ingest([small_guides], progress=False)
    assert edited.files_ingested == 1 and edited.files_skipped == 1
    assert assistant.store.count() == total + edited.chunks_added - edited.chunks_deleted
    assert any("isobutane" in p.page_content for p in assistant.retrieve("which fuel canister?", 3))


def test_chunks_carry_the_design_metadata(assistant: Assistant, small_guides: Path) -> None:
    assistant.ingest([small_guides], progress=False)
    chunks = assistant.store.all_chunks()
    sap = next(c for c in chunks if "矿物油" in c.text)
    assert sap.metadata["source"] == "tent_zh.md"
    assert sap.metadata["section"] == "山岭 2 人帐篷保养指南 > 清洁 > 去除树汁"
    assert {"chunk_index", "content_hash"} <= set(sap.metadata)
    assert len({c.id for c in chunks}) == len(chunks)


def test_changed_file_keeps_old_chunks_until_new_ones_are_written(
    assistant: Assistant, small_guides: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant.ingest([small_guides], progress=False)
    before = set(assistant.store.ids_for_source("stove_en.md"))
    guide = small_guides / "stove_en.md"
    guide.write_text(guide.read_text().replace("10 minutes", "15 minutes"), encoding="utf-8")

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(assistant.store, "upsert", crash)
    with pytest.raises(RuntimeError):
        assistant.ingest([small_guides], progress=False)
    assert set(assistant.store.ids_for_source("stove_en.md")) == before
    monkeypatch.undo()
    redo = assistant.ingest([small_guides], progress=False)
    assert redo.files_ingested == 1
    assert any("15 minutes" in c.text for c in assistant.store.all_chunks())
    assert not any("10 minutes" in c.text for c in assistant.store.all_chunks())


def test_prune_removes_guides_gone_from_the_folder(assistant: Assistant, small_guides: Path) -> None:
    assistant.ingest([small_guides], progress=False)
    (small_guides / "tent_zh.md").unlink()
    kept = assistant.ingest([small_guides], progress=False)
    assert kept.chunks_deleted == 0 and "tent_zh.md" in assistant.store.sources()
    pruned = assistant.ingest([small_guides], prune=True, progress=False)
    assert pruned.chunks_deleted > 0 and set(assistant.store.sources()) == {"stove_en.md"}
    assert all(p.metadata["source"] == "stove_en.md" for p in assistant.retrieve("帐篷树汁", 5))


def test_rebuild_starts_from_scratch(assistant: Assistant, small_guides: Path) -> None:
    first = assistant.ingest([small_guides], progress=False)
    rebuilt = assistant.ingest([small_guides], rebuild=True, progress=False)
    assert rebuilt.files_ingested == 2 and rebuilt.chunks_added == first.chunks_added
    assert assistant.store.count() == first.chunks_added


def _rag_ingest(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-c", "from rag_app.commands.ingest import main; raise SystemExit(main())", *args],
        capture_output=True, text=True, env=env, check=False,
    )


@pytest.mark.slow
def test_cli_names_a_corrupt_pdf_skips_it_and_ingests_the_rest(tmp_path: Path, small_guides: Path) -> None:
    (small_guides / "broken.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2048))
    (small_guides / "empty.txt").write_text("", encoding="utf-8")
    result = _rag_ingest([str(small_guides), "--json"], tmp_path / "data")
    assert result.returncode == 1
    assert "broken.pdf" in result.stderr and "empty.txt" in result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["files_seen"] == 4 and summary["files_failed"] == 2 and summary["files_ingested"] == 2
    assert set(summary) == {
        "files_seen", "files_ingested", "files_skipped", "files_failed", "chunks_added", "chunks_deleted", "seconds"
    }
    again = json.loads(_rag_ingest([str(small_guides), "--json"], tmp_path / "data").stdout.splitlines()[-1])
    assert again["chunks_added"] == 0 and again["files_skipped"] == 2


@pytest.mark.slow
def test_cli_refuses_another_embedding_model_and_points_to_rebuild(tmp_path: Path, small_guides: Path) -> None:
    assert _rag_ingest([str(small_guides)], tmp_path / "data").returncode == 0
    env_model = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data"), "EMBEDDING_MODEL": "all-MiniLM-L6-v2"}
    result = subprocess.run(
        [sys.executable, "-c", "from rag_app.commands.ingest import main; raise SystemExit(main())", str(small_guides)],
        capture_output=True, text=True, env=env_model, check=False,
    )
    assert result.returncode == 2 and "--rebuild" in result.stderr and "Traceback" not in result.stderr


def test_a_failed_upload_keeps_the_earlier_good_file_and_its_chunks(assistant: Assistant, small_guides: Path) -> None:
    good = (small_guides / "stove_en.md").read_bytes()
    assert assistant.ingest_upload("stove.md", good).files_ingested == 1
    before = set(assistant.store.ids_for_source("stove.md"))
    assert assistant.ingest_upload("stove.md", b"").files_failed == 1
    assert set(assistant.store.ids_for_source("stove.md")) == before
    assert (assistant.settings.rag_data_dir / "uploads" / "stove.md").read_bytes() == good
    assert assistant.ingest_upload("new.pdf", b"%PDF-1.4 garbage").files_failed == 1
    assert not (assistant.settings.rag_data_dir / "uploads" / "new.pdf").exists()


def test_a_change_of_chunking_rechunks_unchanged_files(tmp_path: Path, small_guides: Path) -> None:
    data = tmp_path / "data"
    first = Assistant(Settings(_env_file=None, rag_data_dir=data, chunk_max_tokens=64, chunk_match_tokens=0))
    first.ingest([small_guides], progress=False)
    before = {c.id for c in first.store.all_chunks()}

    second = Assistant(Settings(_env_file=None, rag_data_dir=data, chunk_max_tokens=64, chunk_match_tokens=32))
    report = second.ingest([small_guides], progress=False)
    after = second.store.all_chunks()
    assert report.files_ingested == 2 and report.files_skipped == 0
    current = {i for record in second.manifest.records.values() for i in record.chunk_ids}
    assert {c.id for c in after} == current and before - current  # the old chunks that changed are gone
    assert any(c.metadata.get("passage") for c in after) and len(second.keyword) == len(after)
    assert second.ingest([small_guides], progress=False).files_skipped == 2


def test_a_keyword_index_an_older_tokenizer_made_is_rebuilt_from_the_store(tmp_path: Path) -> None:
    guides = tmp_path / "guides"
    guides.mkdir()
    (guides / "washer.md").write_text(
        "# Washer guide\n\n## Error codes\n\nF-03 means the drain pump is blocked: clean the pump filter.\n\n"
        "## Storage\n\nLeave the door open after washing so the drum dries.\n", encoding="utf-8")
    settings = Settings(_env_file=None, rag_data_dir=tmp_path / "data")
    first = Assistant(settings)
    first.ingest([guides], progress=False)
    texts = {c.id: c.text for c in first.store.all_chunks()}

    class OldTokenizer(Tokenizer):
        VERSION = Tokenizer.VERSION - 1

        def __call__(self, text: str) -> list[str]:
            return text.lower().split()

    KeywordIndex(first.keyword.directory, OldTokenizer()).replace_all(texts)
    reopened = Assistant(settings)
    assert reopened.keyword.current
    assert "F-03" in texts[reopened.keyword.search("What does F03 mean?", 1)[0][0]]
