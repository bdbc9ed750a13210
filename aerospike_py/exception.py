"""The exception classes under the module name aerospike-py 0.14.4 and the official client use
(``from aerospike_py import exception``); ``aerospike_py.exceptions`` holds the same classes.

``TimeoutError`` and ``IndexError`` are deprecated aliases (they shadow Python builtins): they
still resolve, with a DeprecationWarning, as in aerospike-py.
"""

from __future__ import annotations

import warnings

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

_DEPRECATED_ALIASES: dict[str, tuple[type[AerospikeError], str]] = {
    "TimeoutError": (AerospikeTimeoutError, "AerospikeTimeoutError"),
    "IndexError": (AerospikeIndexError, "AerospikeIndexError"),
}


def __getattr__(name: str) -> type[AerospikeError]:
    """The deprecated aliases, resolved with a warning as aerospike-py resolves them."""
    if name in _DEPRECATED_ALIASES:
        cls, replacement = _DEPRECATED_ALIASES[name]
        warnings.warn(
            f"aerospike_py.exception.{name} is deprecated and will be removed in v1.0.0; "
            f"use {replacement} instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return cls
    raise AttributeError(f"module 'aerospike_py.exception' has no attribute {name!r}")


__all__ = [
    "AdminError",
    "AerospikeError",
    "AerospikeIndexError",
    "AerospikeTimeoutError",
    "BackpressureError",
    "BinExistsError",
    "BinNameError",
    "BinNotFound",
    "BinTypeError",
    "ClientError",
    "ClusterError",
    "FilteredOut",
    "IndexFoundError",
    "IndexNotFound",
    "InvalidArgError",
    "QueryAbortedError",
    "QueryError",
    "RecordError",
    "RecordExistsError",
    "RecordGenerationError",
    "RecordNotFound",
    "RecordTooBig",
    "RustPanicError",
    "ServerError",
    "UDFError",
]
