"""The exception tree users branch on, and the attributes every error carries."""

import pytest

import aerospike_py
from aerospike_py import exceptions as ex


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (ex.ClientError, ex.AerospikeError),
        (ex.BackpressureError, ex.ClientError),
        (ex.InvalidArgError, ex.ClientError),
        (ex.ServerError, ex.AerospikeError),
        (ex.RecordError, ex.AerospikeError),
        (ex.RecordNotFound, ex.RecordError),
        (ex.RecordExistsError, ex.RecordError),
        (ex.RecordGenerationError, ex.RecordError),
        (ex.FilteredOut, ex.RecordError),
        (ex.AerospikeTimeoutError, ex.AerospikeError),
        (ex.ClusterError, ex.AerospikeError),
        (ex.IndexNotFound, ex.ServerError),
    ],
)
def test_tree(child: type[Exception], parent: type[Exception]) -> None:
    assert issubclass(child, parent)


def test_every_error_carries_result_code_and_in_doubt() -> None:
    error = ex.RecordNotFound("gone", result_code=2, in_doubt=False)
    assert (error.result_code, error.in_doubt, str(error)) == (2, False, "gone")
    assert ex.AerospikeError("x").result_code is None


def test_backpressure_error_carries_limit_and_wait() -> None:
    error = ex.BackpressureError("full", limit=8, waited_ms=12.5)
    assert (error.limit, error.waited_ms, error.result_code, error.in_doubt) == (
        8,
        12.5,
        None,
        False,
    )


def test_package_reexports_the_tree() -> None:
    assert aerospike_py.BackpressureError is ex.BackpressureError
    assert aerospike_py.RecordNotFound is ex.RecordNotFound
