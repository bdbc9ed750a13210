"""The shapes the client returns (named tuples) and accepts (typed dicts)."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, SupportsIndex, TypedDict, overload

__all__ = [
    "AdminPolicy",
    "AerospikeKey",
    "AerospikeRecord",
    "BatchDeleteMeta",
    "BatchDeletePolicy",
    "BatchPolicy",
    "BatchReadPolicy",
    "BatchRecord",
    "BatchRecords",
    "BatchRetryInfo",
    "BatchUDFMeta",
    "BatchUDFPolicy",
    "BatchWriteResult",
    "BinTuple",
    "Bins",
    "ClientConfig",
    "ClientStats",
    "ExistsResult",
    "InfoNodeResult",
    "Key",
    "OperateOrderedResult",
    "Policies",
    "Privilege",
    "QueryPolicy",
    "ReadPolicy",
    "Record",
    "RecordMetadata",
    "RoleInfo",
    "ScanPolicy",
    "UserInfo",
    "UserKey",
    "WriteMeta",
    "WritePolicy",
]

UserKey = str | int | bytes
"""The user part of a key."""

Key = tuple[str, str, UserKey] | tuple[str, str, UserKey | None, bytes]
"""``(namespace, set, user_key)``, or ``(namespace, set, None, digest)`` for a 20-byte digest."""

Bins = dict[str, Any]
"""Bin name to value."""


class AerospikeKey(NamedTuple):
    """The key of a returned record; ``user_key`` is None when only the digest is known."""

    namespace: str
    set_name: str
    user_key: UserKey | None
    digest: bytes


class RecordMetadata(NamedTuple):
    """Generation and remaining time to live in seconds (4294967295, the server's 0xFFFFFFFF:
    never expires, as aerospike-py and the official client report it).

    Reads both as attributes (``meta.gen``) and as a mapping (``meta["gen"]``).
    """

    gen: int
    ttl: int

    @overload
    def __getitem__(self, index: SupportsIndex) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[int, ...]: ...
    @overload
    def __getitem__(self, index: str) -> int: ...
    def __getitem__(self, index: SupportsIndex | slice | str) -> int | tuple[int, ...]:
        if isinstance(index, str):
            if index not in self._fields:
                raise KeyError(index)
            value: int = getattr(self, index)
            return value
        return tuple.__getitem__(self, index)


if TYPE_CHECKING:
    from typing_extensions import TypeVar

    BinsT = TypeVar("BinsT", covariant=True, default=Bins | None)
else:
    BinsT = typing.TypeVar("BinsT", covariant=True)


class Record(NamedTuple, Generic[BinsT]):
    """A record as ``(key, meta, bins)``.

    ``get()`` and ``select()`` return ``Record[Bins]``: they raise ``RecordNotFound`` for a
    missing record, so their bins are there; a bare ``Record`` may hold ``None`` bins.
    """

    key: AerospikeKey | None
    meta: RecordMetadata | None
    bins: BinsT


class ExistsResult(NamedTuple):
    """``meta`` is None when the record does not exist."""

    key: AerospikeKey | None
    meta: RecordMetadata | None


class BinTuple(NamedTuple):
    """One result of ``operate_ordered``."""

    name: str
    value: Any


class OperateOrderedResult(NamedTuple):
    """``operate_ordered`` results in the order of the operations."""

    key: AerospikeKey | None
    meta: RecordMetadata | None
    ordered_bins: list[BinTuple]


class BatchRecord(NamedTuple):
    """One key of a batch: ``result`` is its result code (0 ok, 2 not found, ...)."""

    key: AerospikeKey | None
    result: int
    record: Record | None
    in_doubt: bool = False


class BatchRecords(NamedTuple):
    """The outcome of ``batch_write``, ``batch_operate`` and ``batch_remove``."""

    batch_records: list[BatchRecord]


class InfoNodeResult(NamedTuple):
    """One node's answer to an info command (``error_code`` 0 when it answered)."""

    node_name: str
    error_code: int
    response: str


class ClientStats(NamedTuple):
    """Operation counters of one client, read from atomics (cheap enough for every scrape).

    ``completed`` counts operations that returned a result, ``failed`` those that raised
    (including record-level errors such as RecordNotFound, timeouts and cancellations);
    ``rejected`` counts BackpressureErrors. Latency is measured from admission to completion;
    ``latency_bucket_counts`` are per bucket (not cumulative), the last one is +Inf.
    ``busy_polled`` counts the commands of a blocking ``Client`` that polled for their reply
    (see ``busy_poll_us``), ``busy_poll_answered`` those whose reply came within the budget.
    """

    in_flight: int
    queued: int
    rejected: int
    completed: int
    failed: int
    max_concurrent_operations: int
    latency_bucket_bounds: tuple[float, ...]
    latency_bucket_counts: tuple[int, ...]
    latency_sum_seconds: float
    busy_polled: int
    busy_poll_answered: int


class BatchRetryInfo(NamedTuple):
    """What the retries of a batch write did (the defaults: one attempt, no retry)."""

    attempts: int = 1
    max_attempts: int = 1
    truncated_by_timeout: bool = False
    unresolved: int = 0


class BatchWriteResult(NamedTuple):
    """Per-record results of a batch write, with its retry counters."""

    batch_records: list[BatchRecord]
    retry: BatchRetryInfo = BatchRetryInfo()


class ReadPolicy(TypedDict, total=False):
    """Policy keys of a read, as aerospike-py types them."""

    socket_timeout: int
    total_timeout: int
    max_retries: int
    sleep_between_retries: int
    timeout_delay: int
    filter_expression: Any
    replica: int
    read_mode_ap: int
    read_touch_ttl_percent: int


class WritePolicy(TypedDict, total=False):
    """Policy keys of a write, as aerospike-py types them."""

    socket_timeout: int
    total_timeout: int
    max_retries: int
    sleep_between_retries: int
    timeout_delay: int
    durable_delete: bool
    key: int
    exists: int
    gen: int
    commit_level: int
    ttl: int
    filter_expression: Any
    read_mode_ap: int
    read_touch_ttl_percent: int


class BatchPolicy(TypedDict, total=False):
    """Policy keys of a batch, as aerospike-py types them."""

    socket_timeout: int
    total_timeout: int
    max_retries: int
    sleep_between_retries: int
    timeout_delay: int
    filter_expression: Any
    allow_inline: bool
    allow_inline_ssd: bool
    respond_all_keys: bool
    replica: int
    read_mode_ap: int
    read_touch_ttl_percent: int
    concurrency: int
    key: int
    exists: int
    gen: int
    commit_level: int
    durable_delete: bool
    ttl: int


class BatchReadPolicy(TypedDict, total=False):
    """Per-record read policy keys of a batch."""

    read_touch_ttl_percent: int
    filter_expression: Any


class BatchDeletePolicy(TypedDict, total=False):
    """Per-record delete policy keys of a batch."""

    gen: int
    key: int
    commit_level: int
    durable_delete: bool
    filter_expression: Any


class BatchDeleteMeta(TypedDict, total=False):
    """Per-record delete overrides of a batch."""

    gen: int
    key: int
    commit_level: int
    durable_delete: bool


class BatchUDFPolicy(TypedDict, total=False):
    """Per-record UDF policy keys of a batch."""

    commit_level: int
    ttl: int
    key: int
    durable_delete: bool
    filter_expression: Any


class BatchUDFMeta(TypedDict, total=False):
    """Per-record UDF call and policy overrides of a batch."""

    module: str
    function: str
    args: list[Any]
    ttl: int
    commit_level: int
    key: int
    durable_delete: bool


class AdminPolicy(TypedDict, total=False):
    """Policy keys of an info or admin command."""

    timeout: int


class QueryPolicy(TypedDict, total=False):
    """Policy keys of a query, as aerospike-py types them."""

    socket_timeout: int
    total_timeout: int
    max_retries: int
    sleep_between_retries: int
    timeout_delay: int
    max_records: int
    records_per_second: int
    filter_expression: Any
    replica: int
    read_mode_ap: int
    read_touch_ttl_percent: int
    max_concurrent_nodes: int
    record_queue_size: int
    expected_duration: int
    include_bin_data: bool
    partition_filter: Any


class ScanPolicy(TypedDict, total=False):
    """Policy keys of a scan, as aerospike-py types them."""

    socket_timeout: int
    total_timeout: int
    max_retries: int
    sleep_between_retries: int
    timeout_delay: int
    filter_expression: Any
    replica: int
    read_mode_ap: int
    records_per_second: int
    max_records: int
    durable_delete: bool
    ttl: int
    partition_filter: Any


class Privilege(TypedDict, total=False):
    """A privilege of a role: its code, and the namespace and set it is limited to."""

    code: int | str
    ns: str
    set: str


class UserInfo(TypedDict):
    """A user as the admin commands describe it."""

    user: str
    roles: list[str]
    conns_in_use: int


class RoleInfo(TypedDict):
    """A role as the admin commands describe it."""

    name: str
    privileges: list[Privilege]
    allowlist: list[str]
    read_quota: int
    write_quota: int


AerospikeRecord = dict[str, Any]
"""The bins of one record, as ``BatchReadResult.to_dict`` maps them."""


class WriteMeta(TypedDict, total=False):
    """``meta`` of a write: ``ttl`` in seconds or a ``TTL_*`` constant, expected ``gen``."""

    gen: int
    ttl: int


class Policies(TypedDict, total=False):
    """Default policies per command family; each value is that family's policy dict."""

    read: dict[str, Any]
    write: dict[str, Any]
    batch: dict[str, Any]
    query: dict[str, Any]
    scan: dict[str, Any]


class ClientConfig(TypedDict, total=False):
    """Every key ``Client``/``AsyncClient`` accept; any other key raises InvalidArgError.

    Durations are milliseconds except ``idle_timeout`` (seconds, as the tuning guide uses it).
    ``socket_timeout``, ``total_timeout``, ``max_retries``, ``sleep_between_retries`` and
    ``send_key`` are defaults for every command; ``policies`` refines them per command family.
    ``runtime_workers`` sizes the process-wide Tokio runtime of ``AsyncClient`` when this client
    starts it; once the runtime runs its size is fixed and a different value only emits a
    RuntimeWarning. ``AEROSPIKE_RUNTIME_WORKERS`` is the fallback, then 2. A blocking ``Client``
    has no workers: the calling thread drives its I/O while it waits (one thread switch per
    command), and a background thread keeps the cluster tended between calls; given
    ``runtime_workers``, it warns that the key has no effect on it. ``busy_poll_us`` (default
    200, at most 10000, 0 = off) is how long a lone blocking caller polls for its reply before
    it sleeps; it has no effect on ``AsyncClient``.
    """

    hosts: list[tuple[str, int]] | list[str]
    cluster_name: str
    user: str
    password: str
    timeout: int
    idle_timeout: int
    max_conns_per_node: int
    min_conns_per_node: int
    conn_pools_per_node: int
    tend_interval: int
    use_services_alternate: bool
    max_error_rate: int
    error_rate_window: int
    max_concurrent_operations: int
    operation_queue_timeout_ms: int
    runtime_workers: int
    busy_poll_us: int
    socket_timeout: int
    total_timeout: int
    max_retries: int
    sleep_between_retries: int
    send_key: bool
    policies: Policies
