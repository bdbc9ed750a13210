"""Settings from the environment (``AEROSPIKE_*`` and ``.env``) and their client config.

One model says what can be configured, with bounds and descriptions; one method turns it into
the config dict ``aerospike_py.AsyncClient`` takes. A bad value fails at startup with a message
naming the environment variable, never later on the first request; a misspelt variable, which
the environment alone would silently ignore, is reported with the name it resembles.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = [
    "DEFAULT_ENV_PREFIX",
    "DEFAULT_MAX_REQUEST_BODY_BYTES",
    "AerospikeSettings",
    "AerospikeSettingsError",
    "BatchPolicySettings",
    "PolicySettings",
    "QueryPolicySettings",
    "ReadPolicySettings",
    "WritePolicySettings",
    "env_prefix_for",
]

logger = logging.getLogger("fastapi_aerospike.settings")

DEFAULT_ENV_PREFIX = "AEROSPIKE_"
DEFAULT_PORT = 3000
DEFAULT_MAX_REQUEST_BODY_BYTES = 1024 * 1024

Host = tuple[str, int]
NESTED_DELIMITER = "__"


def env_prefix_for(name: str) -> str:
    """The variables of client ``name``: ``AEROSPIKE_`` for the default client (``aerospike``),
    ``AEROSPIKE_ANALYTICS_`` for ``analytics``."""
    return DEFAULT_ENV_PREFIX if name == "aerospike" else f"{DEFAULT_ENV_PREFIX}{name.upper()}_"


class AerospikeSettingsError(ValueError):
    """A setting from the environment is invalid; the message names each variable at fault."""


_HOST_NAME = re.compile(r"[A-Za-z0-9._-]+")
_IPV6_ADDRESS = re.compile(r"[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?")


def _parse_host(entry: str) -> Host:
    """``host``, ``host:port`` or ``[ipv6]:port`` into ``(host, port)``."""
    entry = entry.strip()
    if "://" in entry:
        raise ValueError(f"{entry!r} is a URL; a host is host:port, with no scheme")
    if ";" in entry:
        raise ValueError(f"{entry!r} has a ';'; hosts are separated by ','")
    if entry.startswith("["):
        host, sep, rest = entry[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"{entry!r} is not host:port (IPv6 hosts look like [::1]:3000)")
        port_text = rest[1:] if rest else str(DEFAULT_PORT)
        form = _IPV6_ADDRESS
    elif entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
        form = _HOST_NAME
    elif entry.count(":") == 2 and entry.rpartition(":")[2].isdigit():
        raise ValueError(
            f"{entry!r} names a TLS name (host:tlsname:port), but the client has no TLS: reach "
            "the cluster over a private network, or through a TLS-terminating proxy"
        )
    elif ":" in entry:
        raise ValueError(f"{entry!r} is not host:port (IPv6 hosts look like [::1]:3000)")
    else:
        host, port_text, form = entry, str(DEFAULT_PORT), _HOST_NAME
    if not host:
        raise ValueError(f"{entry!r} has no host name")
    if not form.fullmatch(host):
        raise ValueError(
            f"{entry!r} has host {host!r}: a host name or address has no spaces, and hosts are "
            "separated by ','"
        )
    if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"{entry!r} has port {port_text!r}; a port is an integer 1..65535")
    return host, int(port_text)


class _Policy(BaseModel):
    """Keys every command family accepts; a key left unset keeps the client's default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    socket_timeout: int | None = Field(default=None, ge=0, description="Milliseconds.")
    total_timeout: int | None = Field(default=None, ge=0, description="Milliseconds.")
    max_retries: int | None = Field(default=None, ge=0)
    sleep_between_retries: int | None = Field(default=None, ge=0, description="Milliseconds.")
    timeout_delay: int | None = Field(default=None, ge=0, description="Milliseconds.")
    read_touch_ttl_percent: int | None = Field(default=None, ge=-1, le=100)

    def to_config(self) -> dict[str, Any]:
        """The keys that are set, as the client's policy dict takes them."""
        return self.model_dump(exclude_none=True)


class ReadPolicySettings(_Policy):
    """Default read policy (``AEROSPIKE_POLICIES__READ__<KEY>``)."""

    replica: int | None = Field(default=None, ge=0, le=2, description="POLICY_REPLICA_*.")


class WritePolicySettings(_Policy):
    """Default write policy (``AEROSPIKE_POLICIES__WRITE__<KEY>``)."""

    key: int | None = Field(default=None, ge=0, le=1, description="POLICY_KEY_DIGEST or _SEND.")
    exists: int | None = Field(default=None, ge=0, le=4, description="POLICY_EXISTS_*.")
    gen: int | None = Field(default=None, ge=0, le=2, description="POLICY_GEN_*.")
    commit_level: int | None = Field(default=None, ge=0, le=1, description="POLICY_COMMIT_*.")
    ttl: int | None = Field(default=None, ge=-2, description="Seconds, or a TTL_* constant.")
    durable_delete: bool | None = None


class BatchPolicySettings(_Policy):
    """Default batch policy (``AEROSPIKE_POLICIES__BATCH__<KEY>``)."""

    allow_inline: bool | None = None
    allow_inline_ssd: bool | None = None
    respond_all_keys: bool | None = None
    replica: int | None = Field(default=None, ge=0, le=2, description="POLICY_REPLICA_*.")


class QueryPolicySettings(_Policy):
    """Default query or scan policy (``AEROSPIKE_POLICIES__QUERY__<KEY>``, ``..SCAN..``)."""

    max_records: int | None = Field(default=None, ge=0)
    records_per_second: int | None = Field(default=None, ge=0)
    max_concurrent_nodes: int | None = Field(default=None, ge=0)
    record_queue_size: int | None = Field(default=None, ge=1)
    include_bin_data: bool | None = None
    expected_duration: int | None = Field(default=None, ge=0, le=2)
    replica: int | None = Field(default=None, ge=0, le=2, description="POLICY_REPLICA_*.")


class PolicySettings(BaseModel):
    """Default policies per command family, the client's ``policies`` config key. Expressions
    and partition filters are per call, never defaults, so they have no setting."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    read: ReadPolicySettings = ReadPolicySettings()
    write: WritePolicySettings = WritePolicySettings()
    batch: BatchPolicySettings = BatchPolicySettings()
    query: QueryPolicySettings = QueryPolicySettings()
    scan: QueryPolicySettings = QueryPolicySettings()

    def to_config(self) -> dict[str, dict[str, Any]]:
        """The families with any key set."""
        families = {name: getattr(self, name).to_config() for name in type(self).model_fields}
        return {name: keys for name, keys in families.items() if keys}


class AerospikeSettings(BaseSettings):
    """How to reach the cluster and how hard to push it, read from ``AEROSPIKE_*`` variables.

    Build it with :meth:`from_env` to get errors that name the variables, or directly with
    keyword arguments (``AerospikeSettings(hosts="127.0.0.1:3000")``) in code and tests.
    """

    model_config = SettingsConfigDict(
        env_prefix=DEFAULT_ENV_PREFIX,
        env_file=".env",
        env_nested_delimiter=NESTED_DELIMITER,
        extra="ignore",
        validate_default=True,
        frozen=True,
        hide_input_in_errors=True,  # a refused value may be the password
    )

    hosts: Annotated[tuple[Host, ...], NoDecode] = Field(
        default=(("127.0.0.1", DEFAULT_PORT),),
        description="Seed nodes as `host:port,host:port` (`[::1]:3000` for IPv6; the port "
        "defaults to 3000). One reachable seed is enough: the client discovers the others.",
    )
    namespace: str = Field(
        default="test",
        min_length=1,
        max_length=31,
        description="The namespace the application stores its records in.",
    )
    cluster_name: str | None = Field(
        default=None,
        min_length=1,
        description="Expected cluster name; nodes of another cluster are refused.",
    )
    user: str | None = Field(default=None, min_length=1, description="User for authentication.")
    password: SecretStr | None = Field(
        default=None, description="Password for authentication; never logged or shown."
    )
    runtime_workers: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Tokio worker threads of the client's runtime, per process. Applied once, "
        "when the first client of the process connects. Keep gunicorn workers x runtime "
        "workers at or below the number of cores.",
    )
    max_concurrent_operations: int = Field(
        default=64,
        ge=0,
        le=100_000,
        description="Most operations in flight per client; more wait for a slot. 0 disables "
        "the limit (and with it the 503 answer to overload). Total load on the cluster is "
        "gunicorn workers x this value.",
    )
    operation_queue_timeout_ms: int = Field(
        default=5000,
        ge=1,
        le=600_000,
        description="How long an operation waits for a slot before it fails with "
        "BackpressureError (answered as 503 with Retry-After).",
    )
    max_conns_per_node: int = Field(
        default=256,
        ge=1,
        le=10_000,
        description="Connection pool size per node; keep it above max_concurrent_operations.",
    )
    min_conns_per_node: int = Field(
        default=0,
        ge=0,
        le=10_000,
        description="Connections opened per node at connect time, so the first requests do "
        "not pay for the handshake.",
    )
    idle_timeout: int = Field(
        default=0,
        ge=0,
        le=86_400,
        description="Seconds before an idle pooled connection is closed; 0: never for "
        "idleness (a connection the server closed is replaced when next checked out).",
    )
    socket_timeout_ms: int = Field(
        default=1000,
        ge=0,
        le=600_000,
        description="Default socket idle timeout of each command attempt, in milliseconds "
        "(0: none). Catches hung connections.",
    )
    total_timeout_ms: int = Field(
        default=2000,
        ge=0,
        le=600_000,
        description="Default total time of a command including retries, in milliseconds "
        "(0: none). Set it from the service's latency budget.",
    )
    max_retries: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Default retries of a command. Writes that are not idempotent want 0.",
    )
    sleep_between_retries_ms: int | None = Field(
        default=None,
        ge=0,
        le=600_000,
        description="Default pause between two attempts of a command, in milliseconds "
        "(client default when not set).",
    )
    send_key: bool | None = Field(
        default=None,
        description="Store the user key with every written record (the client's default "
        "when not set: the digest alone).",
    )
    policies: PolicySettings = Field(
        default=PolicySettings(),
        description="Default policy per command family, one variable per key: "
        "`AEROSPIKE_POLICIES__WRITE__DURABLE_DELETE=true`, `..._READ__REPLICA=1` (or one JSON "
        'value, `AEROSPIKE_POLICIES=\'{"write": {"ttl": 3600}}\'`).',
    )
    conn_pools_per_node: int | None = Field(
        default=None,
        ge=1,
        le=255,
        description="Connection pools per node (more pools, less contention on one lock).",
    )
    tend_interval_ms: int | None = Field(
        default=None,
        ge=1,
        le=600_000,
        description="How often the client checks the cluster's nodes and partitions.",
    )
    use_services_alternate: bool | None = Field(
        default=None,
        description="Reach the nodes at their alternate addresses (`alternate-access-address`: "
        "a cluster behind NAT, in containers, in another cloud network).",
    )
    max_error_rate: int | None = Field(
        default=None,
        ge=0,
        description="Errors per node within error_rate_window tend intervals before the node "
        "is avoided for a while (circuit breaker; 0: never).",
    )
    error_rate_window: int | None = Field(
        default=None,
        ge=1,
        description="Tend intervals over which max_error_rate counts.",
    )
    busy_poll_us: int | None = Field(
        default=None,
        ge=0,
        le=10_000,
        description="Microseconds a lone blocking caller polls for its reply; no effect on the "
        "AsyncClient the integration uses (mapped so that every client key has a setting).",
    )
    connect_timeout: float = Field(
        default=5.0,
        ge=0.001,
        le=300,
        description="Seconds the application waits for the cluster at startup before it "
        "fails with a message naming the hosts (also the client's connection timeout).",
    )
    close_timeout: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds to let in-flight operations finish and close the client at "
        "shutdown. Keep it below gunicorn's graceful_timeout.",
    )
    readiness_timeout: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="Seconds the readiness probe waits for a cluster ping.",
    )
    retry_after: int = Field(
        default=1,
        ge=1,
        le=3600,
        description="Seconds sent in the Retry-After header of a 503 answer.",
    )
    startup_mode: Literal["degraded", "fail_fast"] = Field(
        default="degraded",
        description="`degraded`: a worker whose cluster is down starts anyway, connects in "
        "the background with backoff, and answers the routes that need the client 503 with "
        "Retry-After (readiness 503) until it is up. `fail_fast`: it fails startup with one "
        "line naming the hosts and the cause.",
    )
    reconnect_max_interval: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Longest pause, in seconds, between two background connect attempts "
        "of a degraded start (the pause doubles from 0.5 s, with jitter).",
    )
    readiness: Literal["required", "optional", "ignored"] = Field(
        default="required",
        description="How the client counts in `/health/ready`: `required` (503 while it is "
        "not connected), `optional` (reported, never 503), `ignored` (not checked).",
    )
    shed_queue_depth: int = Field(
        default=0,
        ge=0,
        le=100_000,
        description="Answer requests that use this client 503 with Retry-After (before the "
        "route runs) while this many operations already wait for a slot; 0 turns it off.",
    )
    shed_event_loop_lag_ms: float = Field(
        default=0.0,
        ge=0,
        le=60_000,
        description="Answer requests that use this client 503 with Retry-After while the "
        "worker's event loop has run its 5 ms timer this many milliseconds late three ticks "
        "in a row (its CPU is saturated, not one slow route); 0 turns it off. Routes that do "
        "not use the client are never shed.",
    )
    max_request_body_bytes: int = Field(
        default=DEFAULT_MAX_REQUEST_BODY_BYTES,
        ge=1,
        le=2**40,
        description="Largest request body the app accepts, in bytes: a larger one is answered "
        "413 before it is read (by its Content-Length, or as soon as the bytes received pass "
        "the limit). It bounds the whole app, not only the routes that use this client: with "
        "several clients, the largest of their values applies.",
    )

    unknown_variables: Literal["warn", "error", "ignore"] = Field(
        default="warn",
        description="What an environment variable with this prefix that is no setting (a "
        "typo such as `AEROSPIKE_MAX_CONCURENT_OPERATIONS`) does: `warn` logs a warning "
        "naming the closest setting, `error` fails startup with that message, `ignore` "
        "says nothing.",
    )

    @field_validator("hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            entries = [entry for entry in value.split(",") if entry.strip()]
            if not entries:
                raise ValueError("no host given; expected host:port[,host:port]")
            return tuple(_parse_host(entry) for entry in entries)
        return value

    @field_validator("hosts")
    @classmethod
    def _check_hosts(cls, value: tuple[Host, ...]) -> tuple[Host, ...]:
        if not value:
            raise ValueError("no host given; expected host:port[,host:port]")
        for host, port in value:
            if not host or not 1 <= port <= 65535:
                raise ValueError(f"{host!r}:{port} is not a host name and a port 1..65535")
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        if self.min_conns_per_node > self.max_conns_per_node:
            raise ValueError(
                f"min_conns_per_node ({self.min_conns_per_node}) exceeds "
                f"max_conns_per_node ({self.max_conns_per_node})"
            )
        if (self.user is None) != (self.password is None):
            raise ValueError("user and password go together: set both or neither")
        return self

    def __init__(self, **values: Any) -> None:
        """Keyword values override the environment; a name that is no setting is refused (a
        ``.env`` file may hold other variables, but a typo in code must not pass unseen)."""
        unknown = sorted(
            name
            for name in values
            if not name.startswith("_") and name not in type(self).model_fields
        )
        if unknown:
            raise AerospikeSettingsError(
                f"unknown setting {', '.join(unknown)}; the settings are "
                f"{', '.join(type(self).model_fields)}"
            )
        super().__init__(**values)

    @classmethod
    def from_env(
        cls, env_prefix: str = DEFAULT_ENV_PREFIX, env_file: str | None = ".env", **values: Any
    ) -> Self:
        """Read the settings, raising :class:`AerospikeSettingsError` that names the variables.

        ``env_prefix`` selects another cluster's variables (``AEROSPIKE_ANALYTICS_HOSTS``...);
        keyword ``values`` override the environment.
        """
        try:
            sources: dict[str, Any] = {"_env_prefix": env_prefix, "_env_file": env_file}
            settings = cls(**sources, **values)
        except ValidationError as error:
            raise AerospikeSettingsError(_describe(error, env_prefix, set(values))) from None
        problems = _unknown_variables(env_prefix)
        if problems and settings.unknown_variables == "error":
            raise AerospikeSettingsError("; ".join(problems))
        if problems and settings.unknown_variables == "warn":
            refuse = f"{env_prefix}UNKNOWN_VARIABLES=error refuses it"
            for problem in problems:
                logger.warning("%s; ignored (%s)", problem, refuse)
        return settings

    def to_client_config(self) -> dict[str, Any]:
        """The config dict for ``aerospike_py.AsyncClient``; the password is revealed only here."""
        config: dict[str, Any] = {
            "hosts": list(self.hosts),
            "timeout": round(self.connect_timeout * 1000),
            "runtime_workers": self.runtime_workers,
            "max_concurrent_operations": self.max_concurrent_operations,
            "operation_queue_timeout_ms": self.operation_queue_timeout_ms,
            "max_conns_per_node": self.max_conns_per_node,
            "min_conns_per_node": self.min_conns_per_node,
            "idle_timeout": self.idle_timeout,
            "socket_timeout": self.socket_timeout_ms,
            "total_timeout": self.total_timeout_ms,
            "max_retries": self.max_retries,
        }
        optional = {
            "sleep_between_retries": self.sleep_between_retries_ms,
            "send_key": self.send_key,
            "conn_pools_per_node": self.conn_pools_per_node,
            "tend_interval": self.tend_interval_ms,
            "use_services_alternate": self.use_services_alternate,
            "max_error_rate": self.max_error_rate,
            "error_rate_window": self.error_rate_window,
            "busy_poll_us": self.busy_poll_us,
            "cluster_name": self.cluster_name,
        }
        config.update({key: value for key, value in optional.items() if value is not None})
        policies = self.policies.to_config()
        if policies:
            config["policies"] = policies
        if self.user is not None and self.password is not None:
            config["user"] = self.user
            config["password"] = self.password.get_secret_value()
        return config

    def describe(self) -> str:
        """Every setting as ``name=value``, for the startup log; the password is masked, and of
        the default policies only the keys set (a line of every unset one ran to 3,000
        characters)."""
        shown = {name: getattr(self, name) for name in type(self).model_fields}
        shown["hosts"] = self.describe_hosts()
        shown["policies"] = self.policies.model_dump(exclude_none=True, exclude_defaults=True)
        if self.password is not None:
            shown["password"] = "********"
        return " ".join(f"{name}={value}" for name, value in shown.items())

    def describe_hosts(self) -> str:
        """The seeds as ``host:port,host:port``, for messages."""
        return ",".join(f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in self.hosts)


def _describe(error: ValidationError, env_prefix: str, in_code: set[str]) -> str:
    """One line per invalid field, naming its variable (or the keyword, for a value passed in
    code); secrets are never echoed."""
    fields = re.compile(rf"\b({'|'.join(AerospikeSettings.model_fields)})\b")
    lines = []
    for detail in error.errors(include_url=False):
        location = [str(part) for part in detail["loc"]]
        if not location:  # a rule between fields: its message names them, as variables here
            lines.append(fields.sub(lambda m: f"{env_prefix}{m[1].upper()}", detail["msg"]))
            continue
        shown = f"={detail['input']!r}" if location[0] != "password" else ""
        if location[0] in in_code:
            lines.append(f"{location[0]}{shown} (passed in code): {detail['msg']}")
            continue
        variable = env_prefix + NESTED_DELIMITER.join(location).upper()
        lines.append(f"{variable}{shown}: {detail['msg']}")
    return "invalid Aerospike settings:\n  " + "\n  ".join(lines)


def _variable_names() -> list[str]:
    """Every variable name a setting answers to, without the prefix (nested policy keys too)."""
    names = [name.upper() for name in AerospikeSettings.model_fields]
    for family, keys in PolicySettings().model_dump().items():
        nested = f"POLICIES{NESTED_DELIMITER}{family.upper()}"
        names.append(nested)
        names.extend(f"{nested}{NESTED_DELIMITER}{key.upper()}" for key in keys)
    return names


def _unknown_variables(env_prefix: str) -> list[str]:
    """A sentence for each ``env_prefix`` variable that is no setting, naming the closest one.

    A variable ending in a setting's name (``AEROSPIKE_ANALYTICS_HOSTS`` under ``AEROSPIKE_``)
    belongs to another client's prefix and is not reported.
    """
    prefix = env_prefix.upper()
    names = _variable_names()
    problems = []
    for variable in sorted(name.upper() for name in os.environ):
        rest = variable.removeprefix(prefix)
        if not variable.startswith(prefix) or rest in names:
            continue
        if any(rest.endswith(f"_{name}") for name in names):
            continue
        closest = difflib.get_close_matches(rest, names, n=1)
        hint = f"did you mean {prefix}{closest[0]}?" if closest else "no setting is alike"
        problems.append(f"{variable} is not an Aerospike setting ({hint})")
    return problems
