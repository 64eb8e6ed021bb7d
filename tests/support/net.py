"""Ports on the loopback interface."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port_url(path: str = "/v1") -> str:
    """An http URL where nothing answers: a dead endpoint."""
    return f"http://127.0.0.1:{free_port()}{path}"
