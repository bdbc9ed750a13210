"""AerospikeSettings: parsing from the environment, every bad value, and the client config."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import aerospike_py
from fastapi_aerospike import AerospikeSettings, AerospikeSettingsError
from fastapi_aerospike.settings import (
    BatchPolicySettings,
    QueryPolicySettings,
    ReadPolicySettings,
    WritePolicySettings,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AEROSPIKE_* variable or .env file from the machine leaks into these tests."""
    for name in [n for n in os.environ if n.startswith("AEROSPIKE_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_map_to_a_local_client_config() -> None:
    config = AerospikeSettings.from_env().to_client_config()
    assert config == {
        "hosts": [("127.0.0.1", 3000)],
        "timeout": 5000,
        "runtime_workers": 2,
        "max_concurrent_operations": 64,
        "operation_queue_timeout_ms": 5000,
        "max_conns_per_node": 256,
        "min_conns_per_node": 0,
        "idle_timeout": 0,
        "socket_timeout": 1000,
        "total_timeout": 2000,
        "max_retries": 2,
    }


def test_every_variable_reaches_the_client_config(monkeypatch: pytest.MonkeyPatch) -> None:
    environment = {
        "AEROSPIKE_HOSTS": "db1:3100, db2 ,[::1]:3200",
        "AEROSPIKE_NAMESPACE": "prod",
        "AEROSPIKE_CLUSTER_NAME": "east",
        "AEROSPIKE_USER": "svc",
        "AEROSPIKE_PASSWORD": "s3cret",
        "AEROSPIKE_RUNTIME_WORKERS": "4",
        "AEROSPIKE_MAX_CONCURRENT_OPERATIONS": "32",
        "AEROSPIKE_OPERATION_QUEUE_TIMEOUT_MS": "250",
        "AEROSPIKE_MAX_CONNS_PER_NODE": "300",
        "AEROSPIKE_MIN_CONNS_PER_NODE": "10",
        "AEROSPIKE_IDLE_TIMEOUT": "50",
        "AEROSPIKE_SOCKET_TIMEOUT_MS": "3000",
        "AEROSPIKE_TOTAL_TIMEOUT_MS": "9000",
        "AEROSPIKE_MAX_RETRIES": "0",
        "AEROSPIKE_CONNECT_TIMEOUT": "1.5",
        "AEROSPIKE_CLOSE_TIMEOUT": "3",
        "AEROSPIKE_READINESS_TIMEOUT": "0.2",
        "AEROSPIKE_RETRY_AFTER": "7",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    settings = AerospikeSettings.from_env()

    assert settings.to_client_config() == {
        "hosts": [("db1", 3100), ("db2", 3000), ("::1", 3200)],
        "timeout": 1500,
        "cluster_name": "east",
        "user": "svc",
        "password": "s3cret",
        "runtime_workers": 4,
        "max_concurrent_operations": 32,
        "operation_queue_timeout_ms": 250,
        "max_conns_per_node": 300,
        "min_conns_per_node": 10,
        "idle_timeout": 50,
        "socket_timeout": 3000,
        "total_timeout": 9000,
        "max_retries": 0,
    }
    assert settings.namespace == "prod"
    assert (settings.connect_timeout, settings.close_timeout) == (1.5, 3.0)
    assert (settings.readiness_timeout, settings.retry_after) == (0.2, 7)
    assert settings.describe_hosts() == "db1:3100,db2:3000,[::1]:3200"


def test_password_never_shows_in_repr_or_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = AerospikeSettings(user="svc", password="hunter2")
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings)
    assert "hunter2" not in settings.model_dump_json()

    monkeypatch.setenv("AEROSPIKE_PASSWORD", "hunter2")
    monkeypatch.setenv("AEROSPIKE_RUNTIME_WORKERS", "0")
    with pytest.raises(AerospikeSettingsError) as raised:
        AerospikeSettings.from_env()
    assert "hunter2" not in str(raised.value)


def test_dotenv_file_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("AEROSPIKE_HOSTS=fromfile:3001\nAEROSPIKE_NAMESPACE=filens\n")
    monkeypatch.setenv("AEROSPIKE_NAMESPACE", "envns")

    settings = AerospikeSettings.from_env()

    assert settings.hosts == (("fromfile", 3001),)
    assert settings.namespace == "envns"


def test_another_prefix_reads_another_clusters_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEROSPIKE_HOSTS", "main:3000")
    monkeypatch.setenv("AEROSPIKE_ANALYTICS_HOSTS", "analytics:4000")

    assert AerospikeSettings.from_env().hosts == (("main", 3000),)
    analytics = AerospikeSettings.from_env(env_prefix="AEROSPIKE_ANALYTICS_")
    assert analytics.hosts == (("analytics", 4000),)


def test_keyword_values_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEROSPIKE_HOSTS", "env:3000")
    settings = AerospikeSettings.from_env(hosts=[("127.0.0.1", 4321)])
    assert settings.hosts == (("127.0.0.1", 4321),)


BAD_VALUES = [
    ("AEROSPIKE_HOSTS", "", "no host given"),
    ("AEROSPIKE_HOSTS", " , ", "no host given"),
    ("AEROSPIKE_HOSTS", "db:port", "port 'port'"),
    ("AEROSPIKE_HOSTS", "db:0", "1..65535"),
    ("AEROSPIKE_HOSTS", "db:65536", "1..65535"),
    ("AEROSPIKE_HOSTS", "db:-1", "1..65535"),
    ("AEROSPIKE_HOSTS", "db :3000", "has host 'db '"),
    ("AEROSPIKE_HOSTS", "db1;db2", "hosts are separated by ','"),
    ("AEROSPIKE_HOSTS", "db1:3000;db2:3000", "hosts are separated by ','"),
    ("AEROSPIKE_HOSTS", "http://db:3000", "is a URL"),
    ("AEROSPIKE_HOSTS", "db:\u0663\u0660\u0660\u0660", "a port is an integer"),
    ("AEROSPIKE_HOSTS", "[::1 ]:3000", "has host '::1 '"),
    ("AEROSPIKE_HOSTS", ":3000", "no host name"),
    ("AEROSPIKE_HOSTS", "::1:3000", "IPv6"),
    ("AEROSPIKE_HOSTS", "[::1", "IPv6"),
    ("AEROSPIKE_HOSTS", "[::1]3000", "IPv6"),
    ("AEROSPIKE_NAMESPACE", "", "at least 1 character"),
    ("AEROSPIKE_NAMESPACE", "n" * 32, "at most 31 characters"),
    ("AEROSPIKE_CLUSTER_NAME", "", "at least 1 character"),
    ("AEROSPIKE_USER", "", "at least 1 character"),
    ("AEROSPIKE_RUNTIME_WORKERS", "0", "greater than or equal to 1"),
    ("AEROSPIKE_RUNTIME_WORKERS", "65", "less than or equal to 64"),
    ("AEROSPIKE_RUNTIME_WORKERS", "two", "valid integer"),
    ("AEROSPIKE_MAX_CONCURRENT_OPERATIONS", "-1", "greater than or equal to 0"),
    ("AEROSPIKE_MAX_CONCURRENT_OPERATIONS", "1.5", "valid integer"),
    ("AEROSPIKE_OPERATION_QUEUE_TIMEOUT_MS", "0", "greater than or equal to 1"),
    ("AEROSPIKE_OPERATION_QUEUE_TIMEOUT_MS", "600001", "less than or equal to 600000"),
    ("AEROSPIKE_MAX_CONNS_PER_NODE", "0", "greater than or equal to 1"),
    ("AEROSPIKE_MIN_CONNS_PER_NODE", "-1", "greater than or equal to 0"),
    ("AEROSPIKE_IDLE_TIMEOUT", "-1", "greater than or equal to 0"),
    ("AEROSPIKE_SOCKET_TIMEOUT_MS", "-5", "greater than or equal to 0"),
    ("AEROSPIKE_TOTAL_TIMEOUT_MS", "x", "valid integer"),
    ("AEROSPIKE_MAX_RETRIES", "11", "less than or equal to 10"),
    ("AEROSPIKE_CONNECT_TIMEOUT", "0", "greater than or equal to 0.001"),
    ("AEROSPIKE_CONNECT_TIMEOUT", "soon", "valid number"),
    ("AEROSPIKE_CLOSE_TIMEOUT", "-1", "greater than 0"),
    ("AEROSPIKE_READINESS_TIMEOUT", "61", "less than or equal to 60"),
    ("AEROSPIKE_RETRY_AFTER", "0", "greater than or equal to 1"),
    ("AEROSPIKE_RETRY_AFTER", "0.5", "valid integer"),
]


@pytest.mark.parametrize(("variable", "value", "reason"), BAD_VALUES)
def test_a_bad_value_fails_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(AerospikeSettingsError) as raised:
        AerospikeSettings.from_env()
    message = str(raised.value)
    assert f"{variable}=" in message
    assert reason in message


def test_min_connections_above_max_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEROSPIKE_MIN_CONNS_PER_NODE", "20")
    monkeypatch.setenv("AEROSPIKE_MAX_CONNS_PER_NODE", "10")
    with pytest.raises(
        AerospikeSettingsError,
        match=r"AEROSPIKE_MIN_CONNS_PER_NODE \(20\) exceeds AEROSPIKE_MAX_CONNS_PER_NODE \(10\)",
    ):
        AerospikeSettings.from_env()


@pytest.mark.parametrize("variable", ["AEROSPIKE_USER", "AEROSPIKE_PASSWORD"])
def test_user_and_password_go_together(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "x")
    with pytest.raises(
        AerospikeSettingsError, match="AEROSPIKE_USER and AEROSPIKE_PASSWORD go together"
    ):
        AerospikeSettings.from_env()


def test_an_unknown_keyword_is_refused_naming_it() -> None:
    """``total_timeout`` for ``total_timeout_ms`` would otherwise leave the default in force."""
    with pytest.raises(AerospikeSettingsError, match="unknown setting total_timeout;"):
        AerospikeSettings(total_timeout=100)
    with pytest.raises(AerospikeSettingsError, match="unknown setting host;"):
        AerospikeSettings.from_env(host="db:3000")


def test_settings_are_immutable() -> None:
    settings = AerospikeSettings()
    with pytest.raises(ValueError, match="frozen"):
        settings.namespace = "other"  # type: ignore[misc]


POLICY_SOURCE = Path(__file__).resolve().parents[2] / "native" / "python" / "src" / "policy.rs"
PER_CALL_KEYS = {"filter_expression", "partition_filter"}
"""Expressions and partition filters are per call: the client refuses them as defaults."""


def policy_keys(constant: str) -> set[str]:
    """The keys a family accepts, as the client's own source lists them."""
    body = re.search(rf"const {constant}: &\[&str\] = &\[(.*?)\];", POLICY_SOURCE.read_text(), re.S)
    assert body, constant
    return set(re.findall(r'"(\w+)"', body.group(1))) - PER_CALL_KEYS


def test_every_client_config_key_has_a_setting_the_client_accepts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    every = {
        "AEROSPIKE_SLEEP_BETWEEN_RETRIES_MS": "5",
        "AEROSPIKE_SEND_KEY": "true",
        "AEROSPIKE_CONN_POOLS_PER_NODE": "2",
        "AEROSPIKE_TEND_INTERVAL_MS": "250",
        "AEROSPIKE_USE_SERVICES_ALTERNATE": "true",
        "AEROSPIKE_MAX_ERROR_RATE": "100",
        "AEROSPIKE_ERROR_RATE_WINDOW": "2",
        "AEROSPIKE_BUSY_POLL_US": "0",
        "AEROSPIKE_CLUSTER_NAME": "east",
        "AEROSPIKE_USER": "svc",
        "AEROSPIKE_PASSWORD": "pw",
        "AEROSPIKE_POLICIES__WRITE__DURABLE_DELETE": "true",
        "AEROSPIKE_POLICIES__WRITE__TTL": "3600",
        "AEROSPIKE_POLICIES__READ__REPLICA": "1",
        "AEROSPIKE_POLICIES__BATCH__RESPOND_ALL_KEYS": "false",
        "AEROSPIKE_POLICIES__QUERY__RECORD_QUEUE_SIZE": "64",
        "AEROSPIKE_POLICIES__SCAN__RECORDS_PER_SECOND": "10",
    }
    for name, value in every.items():
        monkeypatch.setenv(name, value)
    config = AerospikeSettings.from_env().to_client_config()

    assert set(config) == set(aerospike_py.ClientConfig.__annotations__)
    assert config["policies"] == {
        "read": {"replica": 1},
        "write": {"durable_delete": True, "ttl": 3600},
        "batch": {"respond_all_keys": False},
        "query": {"record_queue_size": 64},
        "scan": {"records_per_second": 10},
    }
    assert (config["send_key"], config["tend_interval"], config["sleep_between_retries"]) == (
        True,
        250,
        5,
    )
    aerospike_py.AsyncClient(config)  # the client validates every key and value


def test_every_policy_key_the_client_accepts_has_a_setting() -> None:
    base = policy_keys("BASE_KEYS")
    families = {
        ReadPolicySettings: base | policy_keys("READ_KEYS"),
        WritePolicySettings: base | policy_keys("WRITE_KEYS"),
        BatchPolicySettings: base | policy_keys("BATCH_KEYS"),
        QueryPolicySettings: base | policy_keys("QUERY_KEYS"),
    }
    for model, accepted in families.items():
        assert set(model.model_fields) == accepted, model.__name__


def test_a_tls_name_is_refused_saying_the_client_has_no_tls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AEROSPIKE_HOSTS", "db1:tls-name:4333")
    with pytest.raises(AerospikeSettingsError, match=r"AEROSPIKE_HOSTS=.*the client has no TLS"):
        AerospikeSettings.from_env()


def test_a_bad_value_passed_in_code_is_blamed_on_the_code() -> None:
    with pytest.raises(AerospikeSettingsError) as raised:
        AerospikeSettings.from_env(retry_after=0)
    assert "retry_after=0 (passed in code)" in str(raised.value)
    assert "AEROSPIKE_RETRY_AFTER" not in str(raised.value)


def test_a_misspelt_policy_key_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEROSPIKE_POLICIES__WRITE__DURABLE_DELET", "true")
    with pytest.raises(AerospikeSettingsError, match="AEROSPIKE_POLICIES__WRITE__DURABLE_DELET"):
        AerospikeSettings.from_env()


def test_another_clients_nested_variables_are_not_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AEROSPIKE_ANALYTICS_POLICIES__WRITE__TTL", "60")
    monkeypatch.setenv("AEROSPIKE_UNKNOWN_VARIABLES", "error")
    AerospikeSettings.from_env()
    analytics = AerospikeSettings.from_env(env_prefix="AEROSPIKE_ANALYTICS_")
    assert analytics.policies.write.ttl == 60
