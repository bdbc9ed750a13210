"""An Aerospike client with a native Rust core (the official `aerospike` crate on Tokio).

``Client`` blocks (releasing the GIL while Rust waits); ``AsyncClient`` returns awaitables.
Nothing starts at import: the Tokio runtimes (workers for ``AsyncClient``, caller-driven for
``Client``) start at the first ``connect()`` that needs them.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aerospike_py import (
    _sole_owner,  # noqa: F401  (first: it refuses a mix with aerospike-py's files)
    bit_operations,
    constants,
    exception,
    exceptions,
    exp,
    hll_operations,
    list_operations,
    map_operations,
    predicates,
)
from aerospike_py._cdt import HLLPolicy, ListPolicy, MapPolicy, Operation
from aerospike_py._clients import AsyncClient
from aerospike_py._native import (
    AsyncQuery,
    BatchReadResult,
    Client,
    Query,
    __version__,
    runtime_workers,
)
from aerospike_py.constants import *  # noqa: F403 (0.14.4 exports every constant here)
from aerospike_py.exceptions import (
    AdminError,
    AerospikeError,
    AerospikeIndexError,
    AerospikeTimeoutError,
    BackpressureError,
    BinExistsError,
    BinNameError,
    BinNotFound,
    BinTypeError,
    ClientError,
    ClusterError,
    FilteredOut,
    IndexFoundError,
    IndexNotFound,
    InvalidArgError,
    QueryAbortedError,
    QueryError,
    RecordError,
    RecordExistsError,
    RecordGenerationError,
    RecordNotFound,
    RecordTooBig,
    RustPanicError,
    ServerError,
    UDFError,
)
from aerospike_py.types import (
    AdminPolicy,
    AerospikeKey,
    AerospikeRecord,
    BatchDeleteMeta,
    BatchDeletePolicy,
    BatchPolicy,
    BatchReadPolicy,
    BatchRecord,
    BatchRecords,
    BatchRetryInfo,
    BatchUDFMeta,
    BatchUDFPolicy,
    BatchWriteResult,
    Bins,
    BinTuple,
    ClientConfig,
    ClientStats,
    ExistsResult,
    InfoNodeResult,
    Key,
    OperateOrderedResult,
    Privilege,
    QueryPolicy,
    ReadPolicy,
    Record,
    RecordMetadata,
    RoleInfo,
    ScanPolicy,
    UserInfo,
    UserKey,
    WriteMeta,
    WritePolicy,
)

TimeoutError = AerospikeTimeoutError
"""Deprecated alias of ``AerospikeTimeoutError`` (aerospike-py exports it under this name)."""
IndexError = AerospikeIndexError
"""Deprecated alias of ``AerospikeIndexError`` (aerospike-py exports it under this name)."""
LazyBatchRecords = BatchReadResult
"""aerospike-py's name for what ``batch_read`` returns."""

if TYPE_CHECKING:
    from aerospike_py.numpy_batch import NumpyBatchRecords


def __getattr__(name: str) -> Any:
    """``NumpyBatchRecords`` is imported on first use: NumPy costs an import (and BLAS threads)
    that a service which never calls ``to_numpy`` should not pay."""
    if name == "NumpyBatchRecords":
        from aerospike_py.numpy_batch import NumpyBatchRecords

        return NumpyBatchRecords
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PARTITIONS = 4096
"""Partitions of every Aerospike namespace."""


@dataclass(frozen=True)
class PartitionFilter:
    """Partitions ``begin .. begin + count - 1``, for ``policy["partition_filter"]``."""

    begin: int
    count: int


def partition_filter_all() -> PartitionFilter:
    """Every partition."""
    return PartitionFilter(0, PARTITIONS)


def partition_filter_by_id(partition_id: int) -> PartitionFilter:
    """One partition."""
    return PartitionFilter(partition_id, 1)


def partition_filter_by_range(begin: int, count: int) -> PartitionFilter:
    """``count`` partitions from ``begin``."""
    return PartitionFilter(begin, count)


def client(config: dict[str, Any]) -> Client:
    """A blocking client for ``config`` (see ``ClientConfig``); call ``connect()`` next."""
    return Client(config)


def async_client(config: dict[str, Any]) -> AsyncClient:
    """An asyncio client for ``config`` (see ``ClientConfig``); await ``connect()`` next."""
    return AsyncClient(config)


__all__ = [
    "PARTITIONS",
    "AdminError",
    "AdminPolicy",
    "AerospikeError",
    "AerospikeIndexError",
    "AerospikeKey",
    "AerospikeRecord",
    "AerospikeTimeoutError",
    "AsyncClient",
    "AsyncQuery",
    "BackpressureError",
    "BatchDeleteMeta",
    "BatchDeletePolicy",
    "BatchPolicy",
    "BatchReadPolicy",
    "BatchReadResult",
    "BatchRecord",
    "BatchRecords",
    "BatchRetryInfo",
    "BatchUDFMeta",
    "BatchUDFPolicy",
    "BatchWriteResult",
    "BinExistsError",
    "BinNameError",
    "BinNotFound",
    "BinTuple",
    "BinTypeError",
    "Bins",
    "Client",
    "ClientConfig",
    "ClientError",
    "ClientStats",
    "ClusterError",
    "ExistsResult",
    "FilteredOut",
    "HLLPolicy",
    "IndexError",
    "IndexFoundError",
    "IndexNotFound",
    "InfoNodeResult",
    "InvalidArgError",
    "Key",
    "LazyBatchRecords",
    "ListPolicy",
    "MapPolicy",
    "NumpyBatchRecords",
    "OperateOrderedResult",
    "Operation",
    "PartitionFilter",
    "Privilege",
    "Query",
    "QueryAbortedError",
    "QueryError",
    "QueryPolicy",
    "ReadPolicy",
    "Record",
    "RecordError",
    "RecordExistsError",
    "RecordGenerationError",
    "RecordMetadata",
    "RecordNotFound",
    "RecordTooBig",
    "RoleInfo",
    "RustPanicError",
    "ScanPolicy",
    "ServerError",
    "TimeoutError",
    "UDFError",
    "UserInfo",
    "UserKey",
    "WriteMeta",
    "WritePolicy",
    "__version__",
    "async_client",
    "bit_operations",
    "client",
    "exception",
    "exceptions",
    "exp",
    "hll_operations",
    "list_operations",
    "map_operations",
    "partition_filter_all",
    "partition_filter_by_id",
    "partition_filter_by_range",
    "predicates",
    "runtime_workers",
]
__all__ += constants.__all__
