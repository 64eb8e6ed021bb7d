"""A server started as a real subprocess, its output in a log file the test can read."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from support.wait import wait_until


class ServerProcess:
    """`command` run in `workdir`; `wait_http` until it answers; SIGTERM on exit, as an orchestrator would."""

    def __init__(self, command: Sequence[str], workdir: Path, env: dict[str, str] | None = None,
                 log_name: str = "server.log") -> None:
        self.log_path = workdir / log_name
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(list(command), cwd=workdir, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_http(self, url: str, timeout: float, ok: Callable[[httpx.Response], bool] | None = None) -> httpx.Response:
        """Until `url` answers (200, or what `ok` accepts); fails at once if the process exits."""
        def probe() -> httpx.Response | None:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.process.args} exited with {self.process.returncode}:\n{self.log()}")
            try:
                response = httpx.get(url, timeout=2)
            except httpx.TransportError:
                return None
            return response if (ok(response) if ok else response.status_code == 200) else None

        return wait_until(probe, timeout, f"{url} answering", interval=0.1, explain=self.log)

    def wait_log(self, text: str, timeout: float) -> str:
        """Until the log holds `text` (e.g. an access line written after the response went out)."""
        return wait_until(lambda: text in (log := self.log()) and log, timeout, f"{text!r} in the log",
                          explain=self.log)

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it does not go within 30 s; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
