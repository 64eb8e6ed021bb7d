"""The ingest manifest: which file content is in the store, under which chunk ids.

It lets an unchanged re-ingest skip a file after one hash, and tells which old chunks a changed
or removed file leaves behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class FileRecord:
    file_hash: str
    chunk_ids: list[str] = field(default_factory=list)
    path: str = ""  # absolute path when ingested, so --prune knows which root a source came from
    # What the product tags were resolved from and their digest: a changed sidecar re-tags the chunks
    # without parsing or embedding the guide again.
    title: str = ""
    language: str = ""
    meta_hash: str = ""
    ingested_at: float = 0.0  # epoch seconds of the last ingest that changed it (0: not recorded)
    chunking: str = ""  # how it was chunked (chunker version and sizes): another way re-chunks it


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Manifest:
    """source -> FileRecord, persisted as JSON and replaced atomically so a crash never truncates it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, FileRecord] = {}
        if path.exists():
            raw = json.loads(path.read_text(encoding="utf-8"))
            self.records = {src: FileRecord(**rec) for src, rec in raw.get("files", {}).items()}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        payload = {"files": {src: asdict(rec) for src, rec in sorted(self.records.items())}}
        tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.records = {}
