"""Staff sign-in for the console: password hashes, their check, and the slow-down after failures.

The password itself is never stored: STAFF_PASSWORD_HASH holds an scrypt hash made by
`python -m rag_app.ui.auth`. A hash check costs tens of milliseconds on purpose, and after a few
failures a session has to wait, longer each time, before its next try counts.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SCHEME = "scrypt"
# n=2**15, r=8: ~32 MiB and ~50-100 ms per check, OWASP's minimum for scrypt.
N, R, P = 2**15, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
MAX_MEMORY = 128 * N * R * 2
FREE_FAILURES = 2  # typos: the first failures cost nothing more than the hash
MAX_WAIT_S = 300.0


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt:n:r:p:salt:key` (base64url); no `$`, so it can sit unquoted in `.env` and shells."""
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    key = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=KEY_BYTES, maxmem=MAX_MEMORY)
    return ":".join([SCHEME, str(N), str(R), str(P), _b64(salt), _b64(key)])


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches the hash, compared in constant time. Raises ValueError for a hash that
    is not one of ours, so a mistyped setting is reported instead of locking staff out silently."""
    try:
        scheme, n, r, p, salt, key = encoded.strip().split(":")
        if scheme != SCHEME:
            raise ValueError(scheme)
        expected = base64.urlsafe_b64decode(key)
        given = hashlib.scrypt(password.encode(), salt=base64.urlsafe_b64decode(salt), n=int(n), r=int(r),
                               p=int(p), dklen=len(expected), maxmem=128 * int(n) * int(r) * 2)
    except (ValueError, TypeError) as exc:
        raise ValueError("STAFF_PASSWORD_HASH: not a hash made by `python -m rag_app.ui.auth` "
                         f"(expected {SCHEME}:n:r:p:salt:key)") from exc
    return hmac.compare_digest(given, expected)


@dataclass
class Backoff:
    """Failed sign-ins of one browser session: after FREE_FAILURES, each try must wait 2, 4, 8... s.

    Kept per session, so one person's wrong guesses never lock out another's sign-in.
    """

    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    not_before: float = field(default=0.0)

    def wait_s(self) -> float:
        """Seconds until the next try counts (0: now)."""
        return max(0.0, self.not_before - self.clock())

    def failed(self) -> None:
        self.failures += 1
        if self.failures > FREE_FAILURES:
            self.not_before = self.clock() + min(MAX_WAIT_S, 2.0 ** (self.failures - FREE_FAILURES))

    def succeeded(self) -> None:
        self.failures = 0
        self.not_before = 0.0


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def main() -> int:
    """Ask for a password twice and print the STAFF_PASSWORD_HASH line for `.env`."""
    password = getpass.getpass("Staff password: ")
    if len(password) < 8:
        print("too short: use at least 8 characters", file=sys.stderr)
        return 1
    if getpass.getpass("Again: ") != password:
        print("the two passwords differ", file=sys.stderr)
        return 1
    print(f"STAFF_PASSWORD_HASH={hash_password(password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
