"""The exported surface is deliberate: adding or removing a name must show up here."""

import subprocess
import sys

import aerospike_py

EXPECTED_CLASSES_AND_FUNCTIONS = {
    "AdminError", "AdminPolicy", "AerospikeError", "AerospikeIndexError", "AerospikeKey",
    "AerospikeRecord", "AerospikeTimeoutError", "AsyncClient", "AsyncQuery", "BackpressureError",
    "BatchDeleteMeta", "BatchDeletePolicy", "BatchPolicy", "BatchReadPolicy", "BatchReadResult",
    "BatchRecord", "BatchRecords", "BatchRetryInfo", "BatchUDFMeta", "BatchUDFPolicy",
    "BatchWriteResult", "BinExistsError", "BinNameError", "BinNotFound", "BinTuple",
    "BinTypeError", "Bins", "Client", "ClientConfig", "ClientError", "ClientStats", "ClusterError",
    "ExistsResult", "FilteredOut", "HLLPolicy", "IndexError", "IndexFoundError", "IndexNotFound",
    "InfoNodeResult", "InvalidArgError", "Key", "LazyBatchRecords", "ListPolicy", "MapPolicy",
    "NumpyBatchRecords", "OperateOrderedResult", "Operation", "PartitionFilter", "Privilege",
    "Query", "QueryAbortedError", "QueryError", "QueryPolicy", "ReadPolicy", "Record",
    "RecordError", "RecordExistsError", "RecordGenerationError", "RecordMetadata",
    "RecordNotFound", "RecordTooBig", "RoleInfo", "RustPanicError", "ScanPolicy", "ServerError",
    "TimeoutError", "UDFError", "UserInfo", "UserKey", "WriteMeta", "WritePolicy", "__version__",
    "async_client", "bit_operations", "client", "exception", "exceptions", "exp",
    "hll_operations", "list_operations", "map_operations", "partition_filter_all",
    "partition_filter_by_id", "partition_filter_by_range", "predicates", "runtime_workers",
}  # fmt: skip


def test_all_is_pinned() -> None:
    exported = set(aerospike_py.__all__)
    constants = {name for name in exported if name.isupper()}
    assert exported - constants == EXPECTED_CLASSES_AND_FUNCTIONS
    assert len(constants) == 172  # aerospike-py 0.14.4's 171, and PARTITIONS
    assert all(hasattr(aerospike_py, name) for name in exported)


def test_ttl_and_operator_constants_match_aerospike_py() -> None:
    assert (
        aerospike_py.TTL_NAMESPACE_DEFAULT,
        aerospike_py.TTL_NEVER_EXPIRE,
        aerospike_py.TTL_DONT_UPDATE,
        aerospike_py.TTL_CLIENT_DEFAULT,
    ) == (0, -1, -2, -3)
    assert (aerospike_py.OPERATOR_READ, aerospike_py.OPERATOR_WRITE) == (1, 2)


def test_import_starts_no_runtime_no_thread_and_no_numpy() -> None:
    code = (
        "import os, sys, aerospike_py as a\n"
        "a.AsyncClient({'hosts': [('127.0.0.1', 3000)]})\n"
        "a.Client({'hosts': ['h:1']})\n"
        "print(a.runtime_workers(), len(os.listdir('/proc/self/task')), 'numpy' in sys.modules)\n"
        "print(a.NumpyBatchRecords.__name__, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # No OS thread (NumPy's BLAS pool included) until a client connects or to_numpy is used.
    assert out.stdout.splitlines() == ["None 1 False", "NumpyBatchRecords True"]
