"""The public surface is deliberate: this test changes when it does."""

import fastapi_aerospike


def test_exported_names_are_pinned() -> None:
    assert sorted(fastapi_aerospike.__all__) == [
        "AerospikeClient",
        "AerospikeErrorHandler",
        "AerospikeErrorMiddleware",
        "AerospikeLifespan",
        "AerospikeMetrics",
        "AerospikeNotConfiguredError",
        "AerospikeSettings",
        "AerospikeSettingsError",
        "AerospikeStartupError",
        "AerospikeUnavailableError",
        "MissingExtraError",
        "ServerOverloadedError",
        "client_dependency",
        "client_for",
        "get_client",
        "health_routes",
        "install",
    ]
    for name in fastapi_aerospike.__all__:
        assert getattr(fastapi_aerospike, name) is not None
