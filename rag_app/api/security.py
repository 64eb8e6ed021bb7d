"""API keys, their scopes and per-key rate limits, and the rule that an open API stays on loopback."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rag_app.api.errors import ApiError
from rag_app.api.state import service
from rag_app.settings import API_SCOPES, ApiScope

_bearer = HTTPBearer(auto_error=False, description="one of RAG_API_KEYS; not needed when the server has none")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, keys: Sequence[str]) -> None:
    """Refuse (ValueError) to serve an API without keys where other machines can reach it."""
    if not keys and not is_loopback(host):
        raise ValueError(
            f"refusing to serve on {host} without API keys: anyone who can reach it could read and change "
            "the guides. Set RAG_API_KEYS=key1,key2 (clients send `Authorization: Bearer <key>`), or serve "
            "on 127.0.0.1."
        )


async def authorize(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
) -> frozenset[ApiScope]:
    """401 without a known key (when keys are set), 429 over the key's rate limit; the key's scopes."""
    svc = service(request)
    keys = svc.settings.api_key_scopes
    scopes = frozenset(API_SCOPES)  # no keys: only loopback can reach the API (check_exposure)
    if keys:
        given = (credentials.credentials if credentials else "").encode()
        # No early exit: the time taken must not tell which key, or how much of one, matched.
        known = False
        for key, key_scopes in keys.items():
            match = hmac.compare_digest(given, key.encode())
            known |= match
            scopes = key_scopes if match else scopes
        if not known:
            raise ApiError(401, "unauthorized", "missing or unknown API key: send `Authorization: Bearer "
                           "<key>` with one of RAG_API_KEYS", headers={"WWW-Authenticate": "Bearer"})
        client = "key:" + hashlib.sha256(given).hexdigest()
    else:
        client = "ip:" + (request.client.host if request.client else "unknown")
    wait = svc.limiter.acquire(client)
    if wait:
        raise ApiError(429, "rate_limited",
                       f"over the rate limit of {svc.limiter.per_minute} requests a minute for this key "
                       "(RATE_LIMIT_PER_MINUTE); retry later", headers={"Retry-After": str(math.ceil(wait))})
    return scopes


async def authorize_admin(scopes: Annotated[frozenset[ApiScope], Depends(authorize)]) -> None:
    """The documents and questions endpoints: 403 for a key scoped `ask` (a bot's key)."""
    if "admin" not in scopes:
        raise ApiError(403, "forbidden", "this API key is scoped `ask`: managing documents and reading "
                       "questions needs a key scoped `admin` (RAG_API_KEYS entry `key:admin`) or an unscoped one")
