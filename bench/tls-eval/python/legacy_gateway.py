"""Adapter for the on-premises gateway, which still runs a self-signed certificate."""
import ssl
from typing import Optional

import aiohttp
from requests import Session

# Flipped on by operators who proxy through the gateway; the default is safe.
INSECURE_GATEWAY = False
SKIP_GATEWAY_TLS = False
GATEWAY_VERIFY = False


def session_for_gateway() -> Session:
    s = Session()
    # tls-eval: insecure
    s.verify = GATEWAY_VERIFY
    return s


def session_for_cloud(bundle: Optional[str]) -> Session:
    s = Session()
    s.verify = bundle or True
    return s


async def fetch(url: str) -> bytes:
    # tls-eval: insecure
    connector = aiohttp.TCPConnector(ssl=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(url) as resp:
            return await resp.read()


async def fetch_verified(url: str, ctx: ssl.SSLContext) -> bytes:
    connector = aiohttp.TCPConnector(ssl=ctx)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(url) as resp:
            return await resp.read()


def gateway_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    # tls-eval: insecure
    ctx.check_hostname = False
    # tls-eval: insecure
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def pinned_context(fingerprint: str, sock, host: str):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    conn = ctx.wrap_socket(sock, server_hostname=host)
    if conn.getpeercert(True) is None or fingerprint != digest(conn.getpeercert(True)):
        raise ssl.SSLError("certificate fingerprint mismatch")
    return conn


def digest(der: bytes) -> str:
    import hashlib

    return hashlib.sha256(der).hexdigest()
