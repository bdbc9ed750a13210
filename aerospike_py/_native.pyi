"""Type stubs of the native core (kept honest by ``mypy.stubtest aerospike_py._native``)."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Self, final

import numpy as np
from typing_extensions import disjoint_base

from aerospike_py.numpy_batch import NumpyBatchRecords
from aerospike_py.types import (
    BatchRecord,
    BatchRecords,
    BatchUDFMeta,
    BatchWriteResult,
    Bins,
    ClientStats,
    ExistsResult,
    InfoNodeResult,
    Key,
    OperateOrderedResult,
    Record,
    UserKey,
    WriteMeta,
)

_Policy = dict[str, Any] | None

__all__ = [
    "AsyncClient",
    "AsyncQuery",
    "BatchReadResult",
    "Client",
    "DevServer",
    "Query",
    "__version__",
    "runtime_workers",
]

__version__: str

def runtime_workers() -> int | None:
    """Worker threads of this process's runtime; None before the first connect."""

@final
class BatchReadResult:
    """Records of a batch read, kept in Rust until converted."""

    @property
    def batch_records(self) -> list[BatchRecord]:
        """One BatchRecord per requested key, in order."""
    def __len__(self) -> int: ...
    def to_dict(self) -> dict[UserKey, Bins]:
        """Bins of each found record by user key."""
    def to_numpy(self, dtype: np.dtype[Any]) -> NumpyBatchRecords:
        """A structured array of ``dtype``, filled without the GIL; see ``found``."""

@disjoint_base
class Client:
    """The blocking client: every call releases the GIL while Rust waits."""

    def __new__(cls, config: dict[str, Any]) -> Self: ...
    def is_connected(self) -> bool:
        """True once connected (and in the process that created the client)."""
    def get_node_names(self) -> list[str]:
        """Names of the cluster nodes the client knows."""
    def stats(self) -> ClientStats:
        """Operation counters and latency histogram, read from atomics."""
    def query(self, namespace: str, set_name: str | None = None) -> Query:
        """A query (with ``where``) or scan (without) of one set, or of the namespace."""
    def connect(self, username: str | None = None, password: str | None = None) -> Self:
        """Connects (starting the runtime on first use); returns the client.

        ``username``/``password`` replace the config's; a connected client refuses with
        ``ClientError``.
        """
    def close(self) -> None:
        """Stops the client at once; its pooled connections close at the next tend."""
    def __enter__(self) -> Self:
        """The client, not connected by ``with``; ``__exit__`` closes it."""
    def __exit__(self, exc_type: object, exc: object, tb: object) -> bool: ...
    def put(
        self, key: Key, bins: Bins, meta: WriteMeta | None = None, policy: _Policy = None
    ) -> None:
        """Writes ``bins``; ``meta``: ttl, gen; ``policy``: exists, gen, key, durable_delete."""
    def get(self, key: Key, policy: _Policy = None) -> Record[Bins]:
        """Reads a record; RecordNotFound when absent."""
    def select(self, key: Key, bins: Sequence[str], policy: _Policy = None) -> Record[Bins]:
        """Reads only ``bins``."""
    def exists(self, key: Key, policy: _Policy = None) -> ExistsResult:
        """``meta`` is None when the record does not exist."""
    def remove(self, key: Key, meta: WriteMeta | None = None, policy: _Policy = None) -> None:
        """Deletes a record; RecordNotFound when absent."""
    def touch(
        self,
        key: Key,
        val: int | None = 0,
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> None:
        """Resets the TTL (``val`` seconds; 0 or None: the ``meta``/policy ttl)."""
    def append(
        self,
        key: Key,
        bin: str,
        val: str | bytes,
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> None:
        """Appends to a string or bytes bin."""
    def prepend(
        self,
        key: Key,
        bin: str,
        val: str | bytes,
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> None:
        """Prepends to a string or bytes bin."""
    def increment(
        self,
        key: Key,
        bin: str,
        offset: int | float,
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> None:
        """Adds ``offset`` to a numeric bin."""
    def remove_bin(
        self,
        key: Key,
        bin_names: Sequence[str],
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> None:
        """Removes bins from a record."""
    def operate(
        self,
        key: Key,
        ops: Sequence[dict[str, Any]],
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> Record:
        """Applies operations in one round trip; ``bins`` holds the read results."""
    def operate_ordered(
        self,
        key: Key,
        ops: Sequence[dict[str, Any]],
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> OperateOrderedResult:
        """Like ``operate``, results as (bin, value) in operation order."""
    def batch_read(
        self, keys: Sequence[Key], bins: Sequence[str] | None = None, policy: _Policy = None
    ) -> BatchReadResult:
        """Reads many keys in one call (``bins=[]``: existence only)."""
    def batch_write(
        self,
        records: Sequence[tuple[Key, Bins] | tuple[Key, Bins, WriteMeta]],
        policy: _Policy = None,
    ) -> BatchRecords:
        """Writes per-record bins in one call."""
    def batch_operate(
        self, keys: Sequence[Key], ops: Sequence[dict[str, Any]], policy: _Policy = None
    ) -> BatchRecords:
        """The same operations on many keys; each record's bins are what ``operate`` gives."""
    def batch_remove(self, keys: Sequence[Key], policy: _Policy = None) -> BatchRecords:
        """Deletes many keys."""
    def udf_put(self, filename: str, udf_type: int = 0, policy: _Policy = None) -> None:
        """Registers the Lua module in ``filename`` (under its base name); returns once every
        node has it."""
    def udf_remove(self, module: str, policy: _Policy = None) -> None:
        """Removes a registered module (``.lua`` may be left out); a missing one is no error."""
    def apply(
        self,
        key: Key,
        module: str,
        function: str,
        args: list[Any] | None = None,
        policy: _Policy = None,
    ) -> Any:
        """Runs a UDF on one record; returns what the function returned."""
    def batch_apply(
        self,
        keys: Sequence[Key | tuple[Key, BatchUDFMeta]],
        module: str,
        function: str,
        args: list[Any] | None = None,
        policy: _Policy = None,
    ) -> BatchWriteResult:
        """Runs a UDF on many records; each row's bins are ``{"SUCCESS": value}`` or, with
        result 100, ``{"FAILURE": message}``."""
    def info_all(self, command: str, policy: _Policy = None) -> list[InfoNodeResult]:
        """Sends an info command to every node."""
    def info_random_node(self, command: str, policy: _Policy = None) -> str:
        """Sends an info command to one node."""
    def ping(self, policy: _Policy = None) -> bool:
        """True when a node answers an info command (False when not connected); it takes no
        operation slot."""
    def truncate(
        self, namespace: str, set_name: str | None, nanos: int = 0, policy: _Policy = None
    ) -> None:
        """Removes records of a set (None: the namespace) last updated before ``nanos`` (0: all)."""
    def index_integer_create(
        self,
        namespace: str,
        set_name: str | None,
        bin_name: str,
        index_name: str,
        policy: _Policy = None,
    ) -> None:
        """Creates a numeric secondary index; returns once every node has it ready.

        The wait is bounded by ``policy["timeout"]`` (ms, 30 s by default); past it
        ``AerospikeTimeoutError`` names the index.
        """
    def index_string_create(
        self,
        namespace: str,
        set_name: str | None,
        bin_name: str,
        index_name: str,
        policy: _Policy = None,
    ) -> None:
        """Creates a string secondary index; returns once every node has it ready."""
    def index_remove(self, namespace: str, index_name: str, policy: _Policy = None) -> None:
        """Drops a secondary index; returns once no node has it any more."""

@disjoint_base
class AsyncClient:
    """The asyncio client: every command returns an awaitable; cancelling it cancels the command."""

    def __new__(cls, config: dict[str, Any]) -> Self: ...
    def is_connected(self) -> bool:
        """True once connected (and in the process that created the client)."""
    def get_node_names(self) -> list[str]:
        """Names of the cluster nodes the client knows."""
    def stats(self) -> ClientStats:
        """Operation counters and latency histogram, read from atomics."""
    def query(self, namespace: str, set_name: str | None = None) -> AsyncQuery:
        """A query (with ``where``) or scan (without) of one set, or of the namespace."""
    def connect(self, username: str | None = None, password: str | None = None) -> Awaitable[Self]:
        """Connects (starting the runtime on first use); resolves to the client."""
    def close(self) -> Awaitable[None]:
        """Stops the client at once; its pooled connections close at the next tend."""
    def __aenter__(self) -> Awaitable[Self]:
        """Resolves to the client, not connected by ``async with``; ``__aexit__`` closes it."""
    def __aexit__(self, exc_type: object, exc: object, tb: object) -> Awaitable[bool]: ...
    def put(
        self, key: Key, bins: Bins, meta: WriteMeta | None = None, policy: _Policy = None
    ) -> Awaitable[None]:
        """Writes ``bins``; ``meta``: ttl, gen; ``policy``: exists, gen, key, durable_delete."""
    def get(self, key: Key, policy: _Policy = None) -> Awaitable[Record[Bins]]:
        """Reads a record; RecordNotFound when absent."""
    def select(
        self, key: Key, bins: Sequence[str], policy: _Policy = None
    ) -> Awaitable[Record[Bins]]:
        """Reads only ``bins``."""
    def exists(self, key: Key, policy: _Policy = None) -> Awaitable[ExistsResult]:
        """``meta`` is None when the record does not exist."""
    def remove(
        self, key: Key, meta: WriteMeta | None = None, policy: _Policy = None
    ) -> Awaitable[None]:
        """Deletes a record; RecordNotFound when absent."""
    def touch(
        self,
        key: Key,
        val: int | None = 0,
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> Awaitable[None]:
        """Resets the TTL (``val`` seconds; 0 or None: the ``meta``/policy ttl)."""
    def append(
        self,
        key: Key,
        bin: str,
        val: str | bytes,
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> Awaitable[None]:
        """Appends to a string or bytes bin."""
    def prepend(
        self,
        key: Key,
        bin: str,
        val: str | bytes,
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> Awaitable[None]:
        """Prepends to a string or bytes bin."""
    def increment(
        self,
        key: Key,
        bin: str,
        offset: int | float,
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> Awaitable[None]:
        """Adds ``offset`` to a numeric bin."""
    def remove_bin(
        self,
        key: Key,
        bin_names: Sequence[str],
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> Awaitable[None]:
        """Removes bins from a record."""
    def operate(
        self,
        key: Key,
        ops: Sequence[dict[str, Any]],
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> Awaitable[Record]:
        """Applies operations in one round trip; ``bins`` holds the read results."""
    def operate_ordered(
        self,
        key: Key,
        ops: Sequence[dict[str, Any]],
        meta: WriteMeta | None = None,
        policy: _Policy = None,
    ) -> Awaitable[OperateOrderedResult]:
        """Like ``operate``, results as (bin, value) in operation order."""
    def batch_read(
        self, keys: Sequence[Key], bins: Sequence[str] | None = None, policy: _Policy = None
    ) -> Awaitable[BatchReadResult]:
        """Reads many keys in one call (``bins=[]``: existence only)."""
    def batch_write(
        self,
        records: Sequence[tuple[Key, Bins] | tuple[Key, Bins, WriteMeta]],
        policy: _Policy = None,
    ) -> Awaitable[BatchRecords]:
        """Writes per-record bins in one call."""
    def batch_operate(
        self, keys: Sequence[Key], ops: Sequence[dict[str, Any]], policy: _Policy = None
    ) -> Awaitable[BatchRecords]:
        """The same operations on many keys; each record's bins are what ``operate`` gives."""
    def batch_remove(self, keys: Sequence[Key], policy: _Policy = None) -> Awaitable[BatchRecords]:
        """Deletes many keys."""
    def udf_put(self, filename: str, udf_type: int = 0, policy: _Policy = None) -> Awaitable[None]:
        """Registers the Lua module in ``filename`` (under its base name); returns once every
        node has it."""
    def udf_remove(self, module: str, policy: _Policy = None) -> Awaitable[None]:
        """Removes a registered module (``.lua`` may be left out); a missing one is no error."""
    def apply(
        self,
        key: Key,
        module: str,
        function: str,
        args: list[Any] | None = None,
        policy: _Policy = None,
    ) -> Awaitable[Any]:
        """Runs a UDF on one record; returns what the function returned."""
    def batch_apply(
        self,
        keys: Sequence[Key | tuple[Key, BatchUDFMeta]],
        module: str,
        function: str,
        args: list[Any] | None = None,
        policy: _Policy = None,
    ) -> Awaitable[BatchWriteResult]:
        """Runs a UDF on many records; each row's bins are ``{"SUCCESS": value}`` or, with
        result 100, ``{"FAILURE": message}``."""
    def info_all(self, command: str, policy: _Policy = None) -> Awaitable[list[InfoNodeResult]]:
        """Sends an info command to every node."""
    def info_random_node(self, command: str, policy: _Policy = None) -> Awaitable[str]:
        """Sends an info command to one node."""
    def ping(self, policy: _Policy = None) -> Awaitable[bool]:
        """True when a node answers an info command (False when not connected); it takes no
        operation slot."""
    def truncate(
        self, namespace: str, set_name: str | None, nanos: int = 0, policy: _Policy = None
    ) -> Awaitable[None]:
        """Removes records of a set (None: the namespace) last updated before ``nanos`` (0: all)."""
    def index_integer_create(
        self,
        namespace: str,
        set_name: str | None,
        bin_name: str,
        index_name: str,
        policy: _Policy = None,
    ) -> Awaitable[None]:
        """Creates a numeric secondary index; returns once every node has it ready.

        The wait is bounded by ``policy["timeout"]`` (ms, 30 s by default); past it
        ``AerospikeTimeoutError`` names the index.
        """
    def index_string_create(
        self,
        namespace: str,
        set_name: str | None,
        bin_name: str,
        index_name: str,
        policy: _Policy = None,
    ) -> Awaitable[None]:
        """Creates a string secondary index; returns once every node has it ready."""
    def index_remove(
        self, namespace: str, index_name: str, policy: _Policy = None
    ) -> Awaitable[None]:
        """Drops a secondary index; returns once no node has it any more."""

@final
class Query:
    """A query or scan; ``where`` adds a secondary-index predicate."""

    def select(self, *bins: str) -> None:
        """Reads only these bins."""
    def where(self, predicate: tuple[Any, ...]) -> None:
        """Filters with ``aerospike_py.predicates.equals`` or ``between``."""
    def results(self, policy: _Policy = None) -> list[Record]:
        """Every matching record."""
    def foreach(self, callback: Callable[[Record], object], policy: _Policy = None) -> None:
        """Calls ``callback`` with each record as it arrives, in bounded memory; returning
        False stops the query (on the server too), an exception from it propagates."""

@final
class AsyncQuery:
    """A query or scan; ``where`` adds a secondary-index predicate."""

    def select(self, *bins: str) -> None:
        """Reads only these bins."""
    def where(self, predicate: tuple[Any, ...]) -> None:
        """Filters with ``aerospike_py.predicates.equals`` or ``between``."""
    def results(self, policy: _Policy = None) -> Awaitable[list[Record]]:
        """Every matching record."""
    def foreach(
        self, callback: Callable[[Record], object], policy: _Policy = None
    ) -> Awaitable[None]:
        """Calls ``callback`` with each record as it arrives, in bounded memory (an ``async
        def`` callback is awaited); returning False stops the query (on the server too), an
        exception from it propagates."""

@final
class DevServer:
    """The embedded dev server (see ``aerospike_py.devserver``)."""

    def __new__(
        cls, host: str = ..., port: int = ..., nodes: int = ..., namespaces: list[str] = ...
    ) -> Self: ...
    @property
    def hosts(self) -> list[tuple[str, int]]: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def advance_clock(self, seconds: float) -> None: ...
    @property
    def running_nodes(self) -> list[bool]: ...
    @property
    def commands_served(self) -> list[int]: ...
    @property
    def connections_accepted(self) -> list[int]: ...
    def stop_node(self, index: int) -> None: ...
    def start_node(self, index: int) -> None: ...
    def inject_latency(self, ms: float, commands: list[str], node: int | None = None) -> None: ...
    def fail_next(
        self, count: int, result_code: int, commands: list[str], node: int | None = None
    ) -> None: ...
    def close_next(self, count: int, commands: list[str], node: int | None = None) -> None: ...
    def stall(self, commands: list[str], node: int | None = None) -> None: ...
    def hold_index_builds(self, node: int | None = None) -> None: ...
    def drop_connections(self, node: int | None = None) -> None: ...
    def clear_faults(self, node: int | None = None) -> None: ...
