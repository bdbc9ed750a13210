"""The no-database routes plus one raw round trip to the server per get: the wire floor.

``memory_app.py`` with, before each get, the least any client must do for it: one Aerospike
get request, pre-encoded, written on a pooled asyncio connection to the dev server, and its
reply read back whole (not decoded: the route answers from the dict, as ``memory`` does).
No thread, no parsing, no admission: what a client costs on this machine beyond this floor
is the client's; what this floor costs beyond ``memory`` no client can avoid here.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
from knobs import Knobs
from memory_app import MemoryBackend
from models import PROFILES, StoredProfile
from routes import create_app

__all__ = ["app"]

AS_MSG = 3
INFO1_READ_ALL = 0x03
FIELD_NAMESPACE, FIELD_SET, FIELD_DIGEST = 0, 1, 4
PARTICLE_STRING = 3
TOTAL_TIMEOUT_MS = 1000
HEADER = struct.Struct(">Q")
MESSAGE_HEADER_SIZE = 22
RESULT_CODE_OFFSET = 5
RESULT_OK, RESULT_NOT_FOUND = 0, 2


def _field(kind: int, data: bytes) -> bytes:
    return struct.pack(">IB", len(data) + 1, kind) + data


def get_request(namespace: str, set_name: str, user_key: str) -> bytes:
    """A get of every bin of the record whose user key is the string ``user_key``."""
    digest = hashlib.new("ripemd160", set_name.encode() + bytes([PARTICLE_STRING]))
    digest.update(user_key.encode())
    fields = [
        _field(FIELD_NAMESPACE, namespace.encode()),
        _field(FIELD_SET, set_name.encode()),
        _field(FIELD_DIGEST, digest.digest()),
    ]
    header = struct.pack(
        ">BBBBBBIIIHH", MESSAGE_HEADER_SIZE, INFO1_READ_ALL, 0, 0, 0, 0, 0, 0,
        TOTAL_TIMEOUT_MS, len(fields), 0,
    )  # fmt: skip
    body = header + b"".join(fields)
    return HEADER.pack((2 << 56) | (AS_MSG << 48) | len(body)) + body


class WireBackend:
    """The memory backend, each get first paying one round trip on an idle connection."""

    def __init__(self, host: tuple[str, int], namespace: str) -> None:
        self.memory = MemoryBackend()
        self.host = host
        self.namespace = namespace
        self.requests = {pid: get_request(namespace, PROFILES, pid) for pid in self.memory.records}
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self, profile_id: str) -> StoredProfile | None:
        connection = self.idle.pop() if self.idle else await asyncio.open_connection(*self.host)
        reader, writer = connection
        request = self.requests.get(profile_id)
        try:
            writer.write(request or get_request(self.namespace, PROFILES, profile_id))
            (size,) = HEADER.unpack(await reader.readexactly(HEADER.size))
            reply = await reader.readexactly(size & 0xFFFF_FFFF_FFFF)
        except BaseException:
            writer.close()
            raise
        if reply[RESULT_CODE_OFFSET] not in (RESULT_OK, RESULT_NOT_FOUND):
            raise RuntimeError(f"get {profile_id!r}: result code {reply[RESULT_CODE_OFFSET]}")
        self.idle.append(connection)
        stored: StoredProfile | None = await self.memory.get(profile_id)
        return stored

    async def put(self, profile_id: str, bins: dict[str, Any]) -> None:
        await self.memory.put(profile_id, bins)

    async def features(self, profile_ids: list[str]) -> tuple[list[bool], np.ndarray]:
        found: tuple[list[bool], np.ndarray] = await self.memory.features(profile_ids)
        return found

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


@asynccontextmanager
async def wire_backend() -> AsyncIterator[WireBackend]:
    knobs = Knobs.from_env()
    backend = WireBackend(knobs.hosts[0], knobs.namespace)
    try:
        yield backend
    finally:
        backend.close()


app = create_app(wire_backend)
