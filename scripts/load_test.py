"""A bounded loopback load run against `rag-serve`: throughput, latency percentiles, errors, server memory.

Starts its own `rag-serve` (extractive mode: no LLM, so the figures measure this backend, not a model)
over an already ingested RAG_DATA_DIR, then N clients ask the questions of a QA file through
POST /v1/ask for a fixed time, each sending its next question as soon as the last one is answered.

    .venv/bin/rag-ingest data/guides            # with RAG_DATA_DIR=/tmp/load
    .venv/bin/python scripts/load_test.py --data-dir /tmp/load --clients 16 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

SETTINGS_TO_CLEAR = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LLM_MODEL", "RAG_API_KEYS")
RSS_SAMPLE_S = 0.2
READY_TIMEOUT_S = 120.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an ingested RAG_DATA_DIR")
    parser.add_argument("--qa", type=Path, default=Path("data/eval/qa.jsonl"),
                        help="questions, one JSON object a line")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    args = parser.parse_args(argv)
    questions = [json.loads(line)["question"] for line in args.qa.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    port = args.port or _free_port()
    # Blank beats a value in .env: no LLM, no keys.
    env = os.environ | dict.fromkeys(SETTINGS_TO_CLEAR, "")
    env |= {"RAG_DATA_DIR": str(args.data_dir), "RATE_LIMIT_PER_MINUTE": "1000000"}
    command = [str(Path(sys.executable).with_name("rag-serve")), "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        chunks = _wait_ready(url, server)
        result = asyncio.run(_run(url, questions, args.clients, args.seconds, psutil.Process(server.pid)))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    result = {"clients": args.clients, "chunks": chunks, "questions": len(questions)} | result
    print(f"{result['requests']} requests in {result['seconds']} s from {args.clients} clients over "
          f"{chunks} chunks: {result['requests_per_s']} req/s; latency p50 {result['p50_ms']} ms, "
          f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms; {result['errors']} errors; "
          f"server peak RSS {result['peak_rss_mb']} MB")
    print(json.dumps(result))
    return 1 if result["errors"] else 0


async def _run(url: str, questions: list[str], clients: int, seconds: float,
               process: psutil.Process) -> dict[str, float | int]:
    latencies: list[float] = []
    errors: list[str] = []
    peak_rss = process.memory_info().rss
    stop_at = time.monotonic() + seconds
    cycle = itertools.cycle(questions)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http: httpx.AsyncClient) -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                response = await http.post("/v1/ask", json={"question": next(cycle)})
                if response.status_code != 200:
                    errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
            except httpx.HTTPError as exc:
                errors.append(repr(exc))
            latencies.append(time.perf_counter() - started)

    async def sample_rss() -> None:
        nonlocal peak_rss
        while time.monotonic() < stop_at:
            peak_rss = max(peak_rss, process.memory_info().rss)
            await asyncio.sleep(RSS_SAMPLE_S)

    started = time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        await asyncio.gather(sample_rss(), *(client(http) for _ in range(clients)))
    elapsed = time.monotonic() - started
    for line in sorted(set(errors))[:5]:
        print(f"error: {line}", file=sys.stderr)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 1),
        "requests_per_s": round(len(latencies) / elapsed, 2),
        "p50_ms": round(cuts[49] * 1000, 1),
        "p95_ms": round(cuts[94] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "errors": len(errors),
        "peak_rss_mb": round(peak_rss / 2**20, 1),
    }


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> int:
    """Chunks in the store, once /readyz says so."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"rag-serve exited with {server.returncode}")
        try:
            ready = httpx.get(url + "/readyz", timeout=2)
            if ready.status_code == 200:
                return int(ready.json()["chunks"])
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"rag-serve not ready after {READY_TIMEOUT_S} s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    raise SystemExit(main())
