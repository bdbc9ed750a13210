"""Why the cluster could not be reached at startup, in words a user can act on.

The client reports one generic failure whatever went wrong. Probing each seed here (a name
lookup, then a TCP connect) tells a misspelt host name, a port nothing listens on and a
firewall apart; when the seeds do answer, what remains is the cluster name or the credentials.
It runs only after a failed connect, so it costs a healthy startup nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from aerospike_py import AerospikeError
from fastapi_aerospike.settings import AerospikeSettings

__all__ = ["explain_connect_failure", "probe_seed"]


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def probe_seed(host: str, port: int, seconds: float) -> str | None:
    """``None`` when ``host:port`` accepts a TCP connection within ``seconds``, else why not."""
    where = _address(host, port)
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), seconds)
    except socket.gaierror:
        return f"{host!r} is not a known host name (DNS lookup failed)"
    except TimeoutError:
        return f"the DNS lookup of {host!r} timed out after {seconds:g} s"
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), seconds)
    except ConnectionRefusedError:
        return f"{where} refused the connection (nothing listens on that port)"
    except TimeoutError:
        return f"{where} timed out after {seconds:g} s (a firewall, or no such machine)"
    except OSError as error:
        return f"{where}: {error.strerror or error}"
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return None


async def explain_connect_failure(settings: AerospikeSettings, error: AerospikeError | None) -> str:
    """The cause of a failed connect; ``error`` is the client's, ``None`` when it timed out."""
    timeout = settings.connect_timeout
    found = await asyncio.gather(
        *(probe_seed(host, port, timeout) for host, port in settings.hosts)
    )
    unreachable = [cause for cause in found if cause is not None]
    if len(unreachable) == len(found):
        return "; ".join(unreachable)
    answered = ",".join(
        _address(*seed) for seed, c in zip(settings.hosts, found, strict=True) if c is None
    )
    if error is None:
        return f"{answered} accepted a connection but the cluster did not answer in {timeout:g} s"
    text = str(error).splitlines()[0]
    if settings.cluster_name is not None and "cluster" in text:
        return f"{answered} answered but is not cluster {settings.cluster_name!r} (cluster_name)"
    if settings.user is not None:
        return f"{answered} answered but refused user {settings.user!r} (user, password): {text}"
    return f"{answered} answered but the client failed: {text}"
