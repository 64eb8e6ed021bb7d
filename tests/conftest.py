"""Fixtures shared across the test suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fake_llm import FakeLLM
from support.product_guides import KETTLE_GUIDE


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A scriptable OpenAI-compatible chat server on 127.0.0.1 (see tests/fake_llm.py)."""
    with FakeLLM() as server:
        yield server


TENT_GUIDE_ZH = """# 山岭 2 人帐篷保养指南

## 清洁

### 去除污渍
1. 用软毛刷刷掉干燥的泥土。
2. 用温水和中性皂液轻轻擦洗污渍，不要使用洗衣机。
3. 用清水冲洗后在阴凉处晾干。

注意：不要用漂白剂或溶剂清洁帐篷，它们会破坏防水涂层。

### 去除树汁
用矿物油擦拭树汁，然后用肥皂水洗净油迹。

## 收纳
帐篷必须完全干燥后再收纳，否则会发霉。长期存放时请松散地放在透气的大袋子里，不要压紧。
"""

STOVE_GUIDE_EN = """# TrailFlame Camping Stove Care

## Cleaning the burner
1. Let the stove cool for at least 10 minutes.
2. Remove the burner cap and brush soot off with a soft brass brush.
3. Clear the jet with the cleaning needle supplied with the stove.

WARNING: Never clean the stove while it is connected to a gas canister.

## Storage
Store the stove in its pouch in a dry place, with the canister detached.
Check the O-ring for cracks before every trip and replace it when it is brittle.
"""


@pytest.fixture
def small_guides(tmp_path: Path) -> Path:
    """Two short real guides, one Chinese and one English, in a folder of their own."""
    folder = tmp_path / "guides"
    folder.mkdir()
    (folder / "tent_zh.md").write_text(TENT_GUIDE_ZH, encoding="utf-8")
    (folder / "stove_en.md").write_text(STOVE_GUIDE_EN, encoding="utf-8")
    return folder


@pytest.fixture
def product_guides(tmp_path: Path) -> Path:
    """Two sibling kettles (tags from front matter and from a sidecar) sharing most text but not
    capacity, descaling interval or error E4, and a stove whose product comes from its title."""
    folder = tmp_path / "products"
    folder.mkdir()
    k1 = KETTLE_GUIDE.format(model="K1", capacity="1.5 L", power="1800 W", weeks=4,
                             e4="Temperature sensor fault", e4_fix="Contact Acme service")
    (folder / "kettle_k1.md").write_text("---\nproduct: Acme K1\nmodel: K1\ncategory: kettle\n---\n" + k1,
                                         encoding="utf-8")
    k2 = KETTLE_GUIDE.format(model="K2", capacity="1.7 L", power="2200 W", weeks=6,
                             e4="Base not connected", e4_fix="Seat the kettle firmly on its base")
    (folder / "kettle_k2.md").write_text(k2, encoding="utf-8")
    (folder / "kettle_k2.meta.yaml").write_text("product: Acme K2\nmodel: K2\ncategory: kettle\n",
                                                encoding="utf-8")
    (folder / "stove_en.md").write_text(STOVE_GUIDE_EN, encoding="utf-8")
    return folder
