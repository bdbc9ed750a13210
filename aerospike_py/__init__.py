"""An Aerospike client with a native Rust core (the official `aerospike` crate on Tokio).

``Client`` blocks (releasing the GIL while Rust waits); ``AsyncClient`` returns awaitables.
Nothing starts at import: the Tokio runtimes (workers for ``AsyncClient``, caller-driven for
``Client``) start at the first ``connect()`` that needs them.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aerospike_py import exceptions, exp, list_operations, map_operations, predicates
from aerospike_py._native import (
    AsyncClient,
    AsyncQuery,
    BatchReadResult,
    Client,
    Query,
    __version__,
    runtime_workers,
)
from aerospike_py.constants import (
    INDEX_NUMERIC,
    INDEX_STRING,
    LIST_ORDERED,
    LIST_RETURN_COUNT,
    LIST_RETURN_EXISTS,
    LIST_RETURN_INDEX,
    LIST_RETURN_NONE,
    LIST_RETURN_RANK,
    LIST_RETURN_REVERSE_INDEX,
    LIST_RETURN_REVERSE_RANK,
    LIST_RETURN_VALUE,
    LIST_SORT_DEFAULT,
    LIST_SORT_DROP_DUPLICATES,
    LIST_UNORDERED,
    LIST_WRITE_ADD_UNIQUE,
    LIST_WRITE_DEFAULT,
    LIST_WRITE_INSERT_BOUNDED,
    LIST_WRITE_NO_FAIL,
    LIST_WRITE_PARTIAL,
    MAP_CREATE_ONLY,
    MAP_KEY_ORDERED,
    MAP_KEY_VALUE_ORDERED,
    MAP_RETURN_COUNT,
    MAP_RETURN_EXISTS,
    MAP_RETURN_INDEX,
    MAP_RETURN_KEY,
    MAP_RETURN_KEY_VALUE,
    MAP_RETURN_NONE,
    MAP_RETURN_RANK,
    MAP_RETURN_REVERSE_INDEX,
    MAP_RETURN_REVERSE_RANK,
    MAP_RETURN_VALUE,
    MAP_UNORDERED,
    MAP_UPDATE,
    MAP_UPDATE_ONLY,
    MAP_WRITE_FLAGS_CREATE_ONLY,
    MAP_WRITE_FLAGS_DEFAULT,
    MAP_WRITE_FLAGS_NO_FAIL,
    MAP_WRITE_FLAGS_PARTIAL,
    MAP_WRITE_FLAGS_UPDATE_ONLY,
    OPERATOR_APPEND,
    OPERATOR_DELETE,
    OPERATOR_INCR,
    OPERATOR_PREPEND,
    OPERATOR_READ,
    OPERATOR_TOUCH,
    OPERATOR_WRITE,
    POLICY_COMMIT_LEVEL_ALL,
    POLICY_COMMIT_LEVEL_MASTER,
    POLICY_EXISTS_CREATE_ONLY,
    POLICY_EXISTS_IGNORE,
    POLICY_EXISTS_REPLACE,
    POLICY_EXISTS_REPLACE_ONLY,
    POLICY_EXISTS_UPDATE,
    POLICY_EXISTS_UPDATE_ONLY,
    POLICY_GEN_EQ,
    POLICY_GEN_GT,
    POLICY_GEN_IGNORE,
    POLICY_KEY_DIGEST,
    POLICY_KEY_SEND,
    POLICY_REPLICA_MASTER,
    POLICY_REPLICA_PREFER_RACK,
    POLICY_REPLICA_SEQUENCE,
    TTL_CLIENT_DEFAULT,
    TTL_DONT_UPDATE,
    TTL_NAMESPACE_DEFAULT,
    TTL_NEVER_EXPIRE,
)
from aerospike_py.exceptions import (
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
    QueryError,
    RecordError,
    RecordExistsError,
    RecordGenerationError,
    RecordNotFound,
    RecordTooBig,
    ServerError,
)
from aerospike_py.types import (
    AerospikeKey,
    BatchRecord,
    BatchRecords,
    BinTuple,
    ClientConfig,
    ClientStats,
    ExistsResult,
    InfoNodeResult,
    Key,
    OperateOrderedResult,
    Record,
    RecordMetadata,
)

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


__all__ = [
    "INDEX_NUMERIC",
    "INDEX_STRING",
    "LIST_ORDERED",
    "LIST_RETURN_COUNT",
    "LIST_RETURN_EXISTS",
    "LIST_RETURN_INDEX",
    "LIST_RETURN_NONE",
    "LIST_RETURN_RANK",
    "LIST_RETURN_REVERSE_INDEX",
    "LIST_RETURN_REVERSE_RANK",
    "LIST_RETURN_VALUE",
    "LIST_SORT_DEFAULT",
    "LIST_SORT_DROP_DUPLICATES",
    "LIST_UNORDERED",
    "LIST_WRITE_ADD_UNIQUE",
    "LIST_WRITE_DEFAULT",
    "LIST_WRITE_INSERT_BOUNDED",
    "LIST_WRITE_NO_FAIL",
    "LIST_WRITE_PARTIAL",
    "MAP_CREATE_ONLY",
    "MAP_KEY_ORDERED",
    "MAP_KEY_VALUE_ORDERED",
    "MAP_RETURN_COUNT",
    "MAP_RETURN_EXISTS",
    "MAP_RETURN_INDEX",
    "MAP_RETURN_KEY",
    "MAP_RETURN_KEY_VALUE",
    "MAP_RETURN_NONE",
    "MAP_RETURN_RANK",
    "MAP_RETURN_REVERSE_INDEX",
    "MAP_RETURN_REVERSE_RANK",
    "MAP_RETURN_VALUE",
    "MAP_UNORDERED",
    "MAP_UPDATE",
    "MAP_UPDATE_ONLY",
    "MAP_WRITE_FLAGS_CREATE_ONLY",
    "MAP_WRITE_FLAGS_DEFAULT",
    "MAP_WRITE_FLAGS_NO_FAIL",
    "MAP_WRITE_FLAGS_PARTIAL",
    "MAP_WRITE_FLAGS_UPDATE_ONLY",
    "OPERATOR_APPEND",
    "OPERATOR_DELETE",
    "OPERATOR_INCR",
    "OPERATOR_PREPEND",
    "OPERATOR_READ",
    "OPERATOR_TOUCH",
    "OPERATOR_WRITE",
    "PARTITIONS",
    "POLICY_COMMIT_LEVEL_ALL",
    "POLICY_COMMIT_LEVEL_MASTER",
    "POLICY_EXISTS_CREATE_ONLY",
    "POLICY_EXISTS_IGNORE",
    "POLICY_EXISTS_REPLACE",
    "POLICY_EXISTS_REPLACE_ONLY",
    "POLICY_EXISTS_UPDATE",
    "POLICY_EXISTS_UPDATE_ONLY",
    "POLICY_GEN_EQ",
    "POLICY_GEN_GT",
    "POLICY_GEN_IGNORE",
    "POLICY_KEY_DIGEST",
    "POLICY_KEY_SEND",
    "POLICY_REPLICA_MASTER",
    "POLICY_REPLICA_PREFER_RACK",
    "POLICY_REPLICA_SEQUENCE",
    "TTL_CLIENT_DEFAULT",
    "TTL_DONT_UPDATE",
    "TTL_NAMESPACE_DEFAULT",
    "TTL_NEVER_EXPIRE",
    "AerospikeError",
    "AerospikeIndexError",
    "AerospikeKey",
    "AerospikeTimeoutError",
    "AsyncClient",
    "AsyncQuery",
    "BackpressureError",
    "BatchReadResult",
    "BatchRecord",
    "BatchRecords",
    "BinExistsError",
    "BinNameError",
    "BinNotFound",
    "BinTuple",
    "BinTypeError",
    "Client",
    "ClientConfig",
    "ClientError",
    "ClientStats",
    "ClusterError",
    "ExistsResult",
    "FilteredOut",
    "IndexFoundError",
    "IndexNotFound",
    "InfoNodeResult",
    "InvalidArgError",
    "Key",
    "NumpyBatchRecords",
    "OperateOrderedResult",
    "PartitionFilter",
    "Query",
    "QueryError",
    "Record",
    "RecordError",
    "RecordExistsError",
    "RecordGenerationError",
    "RecordMetadata",
    "RecordNotFound",
    "RecordTooBig",
    "ServerError",
    "__version__",
    "client",
    "exceptions",
    "exp",
    "list_operations",
    "map_operations",
    "partition_filter_all",
    "partition_filter_by_id",
    "partition_filter_by_range",
    "predicates",
    "runtime_workers",
]
