"""The server-side conversation store: TTL, trimming, and no lost turns under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rag_app.api.sessions import SessionStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_create_append_and_read_back(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3", ttl_s=60, max_messages=20)
    sid = store.create([{"role": "user", "content": "你好"}])
    store.append(sid, [{"role": "assistant", "content": "hi [1]"}])
    assert store.history(sid) == [{"role": "user", "content": "你好"},
                                  {"role": "assistant", "content": "hi [1]"}]
    assert store.history("nope") is None
    # A second store on the same file (a restarted server) sees the same conversation.
    assert SessionStore(tmp_path / "s.sqlite3", ttl_s=60, max_messages=20).history(sid) is not None


def test_sessions_expire_after_the_ttl_unused(tmp_path: Path) -> None:
    clock = Clock()
    store = SessionStore(tmp_path / "s.sqlite3", ttl_s=60, max_messages=20, clock=clock)
    sid = store.create()
    clock.now += 50
    store.append(sid, [{"role": "user", "content": "q"}])  # use refreshes the TTL
    clock.now += 50
    assert store.history(sid) == [{"role": "user", "content": "q"}]
    clock.now += 61
    assert store.history(sid) is None
    store.create()  # creating sweeps expired sessions away
    with store._transaction() as db:
        assert db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1


def test_only_the_last_messages_are_kept(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3", ttl_s=60, max_messages=4)
    sid = store.create()
    for n in range(5):
        store.append(sid, [{"role": "user", "content": f"q{n}"}, {"role": "assistant", "content": f"a{n}"}])
    assert [m["content"] for m in store.history(sid) or []] == ["q3", "a3", "q4", "a4"]


def test_concurrent_appends_all_land(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3", ttl_s=60, max_messages=1000)
    sid = store.create()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: store.append(sid, [{"role": "user", "content": str(n)}]), range(64)))
    assert sorted(int(m["content"]) for m in store.history(sid) or []) == list(range(64))
