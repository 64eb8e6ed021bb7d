"""Schemathesis against /openapi.json: no 5xx, and every status, header and body as documented."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from api_server import BIN, Server, clean_env

pytestmark = [pytest.mark.server, pytest.mark.slow]

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance")


@pytest.mark.parametrize("authorized", [True, False], ids=["with-key", "without-key"])
def test_openapi_schema_holds(start_server: Callable[..., Server], tmp_path: Path, authorized: bool) -> None:
    server = start_server(keys=("schema-key",), RATE_LIMIT_PER_MINUTE="100000")
    headers = ["-H", "Authorization: Bearer schema-key"] if authorized else []
    done = subprocess.run(
        [str(BIN / "schemathesis"), "run", server.url + "/openapi.json", *headers, "--checks", CHECKS,
         "--max-examples", "30", "--phases", "examples,coverage,fuzzing", "--seed", "1", "--workers", "1",
         "--request-timeout", "60", "--suppress-health-check", "too_slow", "--no-shrink"],
        cwd=tmp_path, env=clean_env(), check=False, capture_output=True, text=True, timeout=540,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "Traceback" not in server.log()
