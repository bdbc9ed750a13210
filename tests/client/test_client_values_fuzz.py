"""Generated values: whatever either client writes, both read back as written, and whatever
ours cannot store is refused with InvalidArgError, never another exception or a crash.

The fixed cases of test_client_cross.py pin each type; these search the combinations (nesting,
empty containers, int and float extremes, non-ASCII text and keys) for what they miss.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

import aerospike
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aerospike_py
from tests.conftest import unique_name

NS = "test"
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
# The official client reads a str bin through a C string, so it would stop at a NUL.
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
MAP_KEYS = INT64 | TEXT | st.binary(max_size=10)
SCALARS = INT64 | st.floats(allow_nan=False) | TEXT | st.binary(max_size=20) | st.booleans()
VALUES = st.recursive(
    SCALARS | st.none(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(MAP_KEYS, inner, max_size=5),
    max_leaves=20,
)
BIN_VALUES = SCALARS | st.lists(VALUES, max_size=5) | st.dictionaries(MAP_KEYS, VALUES, max_size=5)

UNSUPPORTED = (
    st.integers(min_value=2**63, max_value=2**80)
    | st.integers(min_value=-(2**80), max_value=-(2**63) - 1)
    | st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
    | st.sets(st.integers(), min_size=1, max_size=3)
    | st.complex_numbers()
    | st.builds(object)
)
ODD_VALUES = st.recursive(
    SCALARS | UNSUPPORTED,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            MAP_KEYS | st.floats(allow_nan=False) | st.tuples(INT64), inner, max_size=4
        )
    ),
    max_leaves=10,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def clients(aerospike_hosts: list[tuple[str, int]]) -> Iterator[tuple[aerospike_py.Client, Any]]:
    with aerospike_py.Client({"hosts": aerospike_hosts}).connect() as ours:
        official = aerospike.client({"hosts": aerospike_hosts}).connect()
        yield ours, official
        official.close()


@pytest.fixture(scope="module")
def fresh_key() -> Iterator[tuple[str, str, str]]:
    """A new record's key for every generated example (hypothesis reruns one test body)."""
    return ((NS, unique_name("fuzz"), f"k{n}") for n in count())


def test_every_value_reads_back_as_written_by_either_client(
    clients: tuple[aerospike_py.Client, Any], fresh_key: Iterator[tuple[str, str, str]]
) -> None:
    ours, official = clients

    @FUZZ
    @given(BIN_VALUES)
    def round_trips(value: Any) -> None:
        written_by_ours = next(fresh_key)
        ours.put(written_by_ours, {"v": value})
        assert ours.get(written_by_ours).bins == {"v": value}
        assert official.get(written_by_ours)[2] == {"v": value}
        written_by_official = next(fresh_key)
        official.put(written_by_official, {"v": value})
        assert ours.get(written_by_official).bins == {"v": value}

    round_trips()


def test_a_value_ours_cannot_store_is_refused_with_invalid_arg_error(
    clients: tuple[aerospike_py.Client, Any], fresh_key: Iterator[tuple[str, str, str]]
) -> None:
    ours, _ = clients
    refusals: list[str] = []

    @FUZZ
    @given(ODD_VALUES)
    def stored_or_refused(value: Any) -> None:
        key = next(fresh_key)
        try:
            ours.put(key, {"v": value})
        except aerospike_py.InvalidArgError as error:
            refusals.append(str(error))
            with pytest.raises(aerospike_py.RecordNotFound):
                ours.get(key)
        else:
            assert ours.get(key).bins == {"v": value}

    stored_or_refused()
    assert refusals
    assert max(len(message) for message in refusals) < 400
