"""Real `rag-serve` processes on loopback ports, over two tiny guides (one English, one Chinese).

The guides are ingested once per session by the real `rag-ingest`; every server gets its own copy of
that RAG_DATA_DIR, so tests that upload or delete never disturb another module's server.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from api_server import BIN, GUIDE_EN, GUIDE_ZH, Server, clean_env


@pytest.fixture(scope="session")
def seeded_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A RAG_DATA_DIR holding the two guides, ingested once by the real `rag-ingest`."""
    root = tmp_path_factory.mktemp("seed")
    guides = root / "guides"
    guides.mkdir()
    (guides / "kettle_care_en.md").write_text(GUIDE_EN, encoding="utf-8")
    (guides / "bottle_care_zh.md").write_text(GUIDE_ZH, encoding="utf-8")
    data = root / "data"
    done = subprocess.run([str(BIN / "rag-ingest"), str(guides), "--json"], cwd=root, check=False,
                          capture_output=True, text=True, env=clean_env(RAG_DATA_DIR=str(data)), timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["files_ingested"] == 2
    return data


@pytest.fixture(scope="module")
def start_server(
    seeded_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Server]]:
    """`start_server(keys=(...), ready=True, **SETTINGS)` -> a running Server, stopped after the module."""
    servers: list[Server] = []

    def start(keys: tuple[str, ...] = (), ready: bool = True, **settings: str) -> Server:
        workdir = tmp_path_factory.mktemp("server")
        data = workdir / "data"
        shutil.copytree(seeded_data_dir, data)
        env = clean_env(RAG_DATA_DIR=str(data), RAG_API_KEYS=",".join(keys), **settings)
        server = Server(workdir, env, keys)
        servers.append(server)
        return server.wait("/readyz" if ready else "/healthz")

    yield start
    for server in servers:
        server.stop()
