"""One exception tree for every failure the client reports.

Every exception carries ``result_code`` (the Aerospike result code, negative for client-side
codes, ``None`` when there is none) and ``in_doubt`` (a write may have been applied even though
the call failed), so callers branch on attributes rather than on message text.
"""

from __future__ import annotations

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


class AerospikeError(Exception):
    """Base of every error raised by aerospike_py."""

    result_code: int | None
    in_doubt: bool

    def __init__(self, message: str, result_code: int | None = None, in_doubt: bool = False):
        super().__init__(message)
        self.result_code = result_code
        self.in_doubt = in_doubt


class ClientError(AerospikeError):
    """The client itself refused or failed (bad state, wrong process, internal error)."""


class InvalidArgError(ClientError, TypeError, ValueError):
    """An argument (key, bin, value, policy, config entry) is malformed; the message names it.

    It is also a ``TypeError`` and a ``ValueError``: aerospike-py raises those builtins for
    arguments of the wrong type or value, and code written for it catches them.
    """


class RustPanicError(ClientError):
    """The native core failed unexpectedly (a bug); the client stays usable."""


class BackpressureError(ClientError):
    """No operation slot freed up within ``operation_queue_timeout_ms`` or the call's
    ``total_timeout``, whichever ran out first.

    ``limit`` is the configured ``max_concurrent_operations``; ``waited_ms`` is how long this
    call queued before giving up. Nothing was sent to the server.
    """

    limit: int
    waited_ms: float

    def __init__(self, message: str, limit: int = 0, waited_ms: float = 0.0):
        super().__init__(message, result_code=None, in_doubt=False)
        self.limit = limit
        self.waited_ms = waited_ms


class ServerError(AerospikeError):
    """The server answered with an error that is not about one record."""


class RecordError(AerospikeError):
    """The server answered with an error about the record addressed."""


class RecordNotFound(RecordError):
    """The record does not exist (result code 2)."""


class RecordExistsError(RecordError):
    """The record exists and the policy asked to create it only (result code 5)."""


class RecordGenerationError(RecordError):
    """The record's generation did not match the expected one (result code 3)."""


class RecordTooBig(RecordError):
    """The record exceeds the server's write block size (result code 13)."""


class BinExistsError(RecordError):
    """The bin exists and the operation asked to create it only (result code 6)."""


class BinNameError(RecordError):
    """The bin name is longer than the server accepts (result code 21)."""


class BinNotFound(RecordError):
    """The bin does not exist (result code 17)."""


class BinTypeError(RecordError):
    """The operation does not apply to the bin's type (result code 12)."""


class FilteredOut(RecordError):
    """The record did not pass the filter expression (result code 27)."""


class AerospikeIndexError(ServerError):
    """A secondary index command failed."""


class IndexNotFound(AerospikeIndexError):
    """The secondary index does not exist (result code 201)."""


class IndexFoundError(AerospikeIndexError):
    """A secondary index with that name or bin already exists (result code 200)."""


class QueryError(ServerError):
    """A query or scan failed on the server."""


class QueryAbortedError(QueryError):
    """The server aborted the query or scan (result code 210)."""


class AdminError(ServerError):
    """A user or role administration command failed."""


class UDFError(ServerError):
    """A UDF command failed on the server (result code 100)."""


class AerospikeTimeoutError(AerospikeError):
    """The operation did not complete within its socket or total timeout."""


class ClusterError(AerospikeError):
    """The cluster cannot be reached, or a connection to it was lost."""
