"""HyperLogLog operations, for ``operate`` and ``operate_ordered``.

Each builder returns the operation dict aerospike-py 0.14.4 returns (integer ``op`` code,
same keys); ``policy`` is ``{"flags": HLL_WRITE_*}``. HLL bins read back as ``bytes``, which
the union and similarity operations take as they are.
"""

from __future__ import annotations

from typing import Any

from aerospike_py._cdt import HLLPolicy, Operation, cdt_op, given

__all__ = [
    "Operation",
    "hll_add",
    "hll_describe",
    "hll_fold",
    "hll_get_count",
    "hll_get_intersect_count",
    "hll_get_similarity",
    "hll_get_union",
    "hll_get_union_count",
    "hll_init",
    "hll_set_union",
]

_OP_HLL_INIT = 3001
_OP_HLL_ADD = 3002
_OP_HLL_GET_COUNT = 3003
_OP_HLL_GET_UNION = 3004
_OP_HLL_GET_UNION_COUNT = 3005
_OP_HLL_GET_INTERSECT_COUNT = 3006
_OP_HLL_GET_SIMILARITY = 3007
_OP_HLL_DESCRIBE = 3008
_OP_HLL_FOLD = 3009
_OP_HLL_SET_UNION = 3010


def hll_init(
    bin: str,
    index_bit_count: int,
    minhash_bit_count: int | None = None,
    *,
    policy: HLLPolicy | None = None,
) -> Operation:
    """Create a new HLL or reset an existing HLL bin."""
    return cdt_op(
        _OP_HLL_INIT,
        bin,
        index_bit_count=index_bit_count,
        **given(minhash_bit_count=minhash_bit_count, hll_policy=policy),
    )


def hll_add(
    bin: str,
    values: list[Any],
    index_bit_count: int | None = None,
    minhash_bit_count: int | None = None,
    *,
    policy: HLLPolicy | None = None,
) -> Operation:
    """Add values to an HLL bin."""
    return cdt_op(
        _OP_HLL_ADD,
        bin,
        val=values,
        **given(
            index_bit_count=index_bit_count, minhash_bit_count=minhash_bit_count, hll_policy=policy
        ),
    )


def hll_get_count(bin: str) -> Operation:
    """Return the estimated element count of the HLL bin."""
    return cdt_op(_OP_HLL_GET_COUNT, bin)


def hll_get_union(bin: str, values: list[Any]) -> Operation:
    """Return an HLL object that is the union of the bin with the given HLL list."""
    return cdt_op(_OP_HLL_GET_UNION, bin, val=values)


def hll_get_union_count(bin: str, values: list[Any]) -> Operation:
    """Return the estimated count of the union of the bin with the given HLL list."""
    return cdt_op(_OP_HLL_GET_UNION_COUNT, bin, val=values)


def hll_get_intersect_count(bin: str, values: list[Any]) -> Operation:
    """Return the estimated count of the intersection of the bin with the given HLL list."""
    return cdt_op(_OP_HLL_GET_INTERSECT_COUNT, bin, val=values)


def hll_get_similarity(bin: str, values: list[Any]) -> Operation:
    """Return the estimated similarity (Jaccard index) between the bin and the given HLL list."""
    return cdt_op(_OP_HLL_GET_SIMILARITY, bin, val=values)


def hll_describe(bin: str) -> Operation:
    """Return the index_bit_count and minhash_bit_count of the HLL bin as a list of two integers."""
    return cdt_op(_OP_HLL_DESCRIBE, bin)


def hll_fold(bin: str, index_bit_count: int) -> Operation:
    """Fold the HLL bin to the specified index_bit_count."""
    return cdt_op(_OP_HLL_FOLD, bin, index_bit_count=index_bit_count)


def hll_set_union(bin: str, values: list[Any], *, policy: HLLPolicy | None = None) -> Operation:
    """Set the union of the given HLL objects into the HLL bin."""
    return cdt_op(_OP_HLL_SET_UNION, bin, val=values, **given(hll_policy=policy))
