"""Helpers for the API tests: a real `rag-serve` subprocess on a loopback port, and two tiny guides."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
from support.net import free_port
from support.process import ServerProcess

from rag_app.settings import Settings

BIN = Path(sys.executable).parent
START_TIMEOUT_S = 90.0

GUIDE_EN = """# Electric Kettle Care

## Descaling

Limescale builds up inside the kettle in hard-water areas. To descale the kettle, fill it halfway with
equal parts white vinegar and water, bring it to the boil, then let it stand for one hour. Empty it and
rinse the kettle twice with clean water before use.

WARNING: Unplug the kettle and let it cool before cleaning the base or the power connector.

## Filter

The mesh filter in the spout catches limescale flakes. Slide it out and brush it under running water
once a month.
"""

GUIDE_ZH = """# 保温杯保养指南

## 日常清洁

每次使用后，用温水加少量小苏打清洗杯身内壁，再用清水冲净。不要使用钢丝球，以免刮伤内胆。

## 异味处理

如果杯内有异味，可以加入柠檬片和热水浸泡两小时，然后倒掉并冲洗干净，倒置晾干。
"""

EN_QUESTION = "How do I descale the kettle?"
ZH_QUESTION = "保温杯有异味怎么办？"


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment minus every setting of ours, so a developer's shell or .env cannot leak in."""
    ours = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    return env | {"PYTHONUNBUFFERED": "1"} | overrides


class Server(ServerProcess):
    """One `rag-serve` subprocess; its output goes to a log file the tests can read."""

    def __init__(self, workdir: Path, env: dict[str, str], keys: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.keys = keys
        super().__init__([str(BIN / "rag-serve"), "--port", str(self.port)], workdir, env)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[0]}"} if self.keys else {}

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers, timeout=60, **kwargs)  # type: ignore[arg-type]

    def wait(self, path: str = "/readyz") -> Server:
        """Until `path` answers 200 (the process must stay alive)."""
        self.wait_http(self.url + path, START_TIMEOUT_S)
        return self
