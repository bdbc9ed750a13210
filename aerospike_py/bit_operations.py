"""Bitwise operations on bytes bins, for ``operate`` and ``operate_ordered``.

Each builder returns the operation dict aerospike-py 0.14.4 returns (integer ``op`` code,
same keys); ``policy`` is the ``BIT_WRITE_*`` flags.
"""

from __future__ import annotations

from aerospike_py._cdt import Operation, cdt_op, given

__all__ = [
    "Operation",
    "bit_add",
    "bit_and",
    "bit_count",
    "bit_get",
    "bit_get_int",
    "bit_insert",
    "bit_lscan",
    "bit_lshift",
    "bit_not",
    "bit_or",
    "bit_remove",
    "bit_resize",
    "bit_rscan",
    "bit_rshift",
    "bit_set",
    "bit_set_int",
    "bit_subtract",
    "bit_xor",
]

_OP_BIT_RESIZE = 4001
_OP_BIT_INSERT = 4002
_OP_BIT_REMOVE = 4003
_OP_BIT_SET = 4004
_OP_BIT_OR = 4005
_OP_BIT_XOR = 4006
_OP_BIT_AND = 4007
_OP_BIT_NOT = 4008
_OP_BIT_LSHIFT = 4009
_OP_BIT_RSHIFT = 4010
_OP_BIT_ADD = 4011
_OP_BIT_SUBTRACT = 4012
_OP_BIT_SET_INT = 4013
_OP_BIT_GET = 4050
_OP_BIT_COUNT = 4051
_OP_BIT_LSCAN = 4052
_OP_BIT_RSCAN = 4053
_OP_BIT_GET_INT = 4054


def bit_resize(
    bin: str, byte_size: int, resize_flags: int = 0, policy: int | None = None
) -> Operation:
    """Resize a bytes bin to *byte_size* according to *resize_flags*."""
    return cdt_op(
        _OP_BIT_RESIZE,
        bin,
        byte_size=byte_size,
        **given(resize_flags=resize_flags or None, bit_policy=policy),
    )


def bit_insert(
    bin: str, byte_offset: int, value: bytes | bytearray, policy: int | None = None
) -> Operation:
    """Insert *value* bytes at *byte_offset*."""
    return cdt_op(
        _OP_BIT_INSERT, bin, byte_offset=byte_offset, val=value, **given(bit_policy=policy)
    )


def bit_remove(bin: str, byte_offset: int, byte_size: int, policy: int | None = None) -> Operation:
    """Remove *byte_size* bytes starting at *byte_offset*."""
    return cdt_op(
        _OP_BIT_REMOVE,
        bin,
        byte_offset=byte_offset,
        byte_size=byte_size,
        **given(bit_policy=policy),
    )


def bit_set(
    bin: str, bit_offset: int, bit_size: int, value: bytes | bytearray, policy: int | None = None
) -> Operation:
    """Set bits at *bit_offset* for *bit_size* to *value*."""
    return cdt_op(
        _OP_BIT_SET,
        bin,
        bit_offset=bit_offset,
        bit_size=bit_size,
        val=value,
        **given(bit_policy=policy),
    )


def bit_or(
    bin: str, bit_offset: int, bit_size: int, value: bytes | bytearray, policy: int | None = None
) -> Operation:
    """Perform bitwise OR on bin at *bit_offset* for *bit_size* with *value*."""
    return cdt_op(
        _OP_BIT_OR,
        bin,
        bit_offset=bit_offset,
        bit_size=bit_size,
        val=value,
        **given(bit_policy=policy),
    )


def bit_xor(
    bin: str, bit_offset: int, bit_size: int, value: bytes | bytearray, policy: int | None = None
) -> Operation:
    """Perform bitwise XOR on bin at *bit_offset* for *bit_size* with *value*."""
    return cdt_op(
        _OP_BIT_XOR,
        bin,
        bit_offset=bit_offset,
        bit_size=bit_size,
        val=value,
        **given(bit_policy=policy),
    )


def bit_and(
    bin: str, bit_offset: int, bit_size: int, value: bytes | bytearray, policy: int | None = None
) -> Operation:
    """Perform bitwise AND on bin at *bit_offset* for *bit_size* with *value*."""
    return cdt_op(
        _OP_BIT_AND,
        bin,
        bit_offset=bit_offset,
        bit_size=bit_size,
        val=value,
        **given(bit_policy=policy),
    )


def bit_not(bin: str, bit_offset: int, bit_size: int, policy: int | None = None) -> Operation:
    """Negate bits in bin starting at *bit_offset* for *bit_size*."""
    return cdt_op(
        _OP_BIT_NOT, bin, bit_offset=bit_offset, bit_size=bit_size, **given(bit_policy=policy)
    )


def bit_lshift(
    bin: str, bit_offset: int, bit_size: int, shift: int, policy: int | None = None
) -> Operation:
    """Left-shift bits in bin starting at *bit_offset* for *bit_size* by *shift* positions."""
    return cdt_op(
        _OP_BIT_LSHIFT,
        bin,
        bit_offset=bit_offset,
        bit_size=bit_size,
        shift=shift,
        **given(bit_policy=policy),
    )


def bit_rshift(
    bin: str, bit_offset: int, bit_size: int, shift: int, policy: int | None = None
) -> Operation:
    """Right-shift bits in bin starting at *bit_offset* for *bit_size* by *shift* positions."""
    return cdt_op(
        _OP_BIT_RSHIFT,
        bin,
        bit_offset=bit_offset,
        bit_size=bit_size,
        shift=shift,
        **given(bit_policy=policy),
    )


def bit_add(
    bin: str,
    bit_offset: int,
    bit_size: int,
    value: int,
    signed: bool = False,
    action: int = 0,
    policy: int | None = None,
) -> Operation:
    """Add *value* to the integer at *bit_offset* for *bit_size* (max 64 bits)."""
    return cdt_op(
        _OP_BIT_ADD,
        bin,
        bit_offset=bit_offset,
        bit_size=bit_size,
        val=value,
        signed=signed,
        action=action,
        **given(bit_policy=policy),
    )


def bit_subtract(
    bin: str,
    bit_offset: int,
    bit_size: int,
    value: int,
    signed: bool = False,
    action: int = 0,
    policy: int | None = None,
) -> Operation:
    """Subtract *value* from the integer at *bit_offset* for *bit_size* (max 64 bits)."""
    return cdt_op(
        _OP_BIT_SUBTRACT,
        bin,
        bit_offset=bit_offset,
        bit_size=bit_size,
        val=value,
        signed=signed,
        action=action,
        **given(bit_policy=policy),
    )


def bit_set_int(
    bin: str, bit_offset: int, bit_size: int, value: int, policy: int | None = None
) -> Operation:
    """Set the integer value at *bit_offset* for *bit_size* (max 64 bits)."""
    return cdt_op(
        _OP_BIT_SET_INT,
        bin,
        bit_offset=bit_offset,
        bit_size=bit_size,
        val=value,
        **given(bit_policy=policy),
    )


def bit_get(bin: str, bit_offset: int, bit_size: int) -> Operation:
    """Return bits from bin starting at *bit_offset* for *bit_size*. (Read operation)"""
    return cdt_op(_OP_BIT_GET, bin, bit_offset=bit_offset, bit_size=bit_size)


def bit_count(bin: str, bit_offset: int, bit_size: int) -> Operation:
    """Return the count of set bits starting at *bit_offset* for *bit_size*. (Read operation)"""
    return cdt_op(_OP_BIT_COUNT, bin, bit_offset=bit_offset, bit_size=bit_size)


def bit_lscan(bin: str, bit_offset: int, bit_size: int, value: bool) -> Operation:
    """Return offset of first bit matching *value* scanning left-to-right. (Read operation)"""
    return cdt_op(_OP_BIT_LSCAN, bin, bit_offset=bit_offset, bit_size=bit_size, val=value)


def bit_rscan(bin: str, bit_offset: int, bit_size: int, value: bool) -> Operation:
    """Return offset of last bit matching *value* scanning right-to-left. (Read operation)"""
    return cdt_op(_OP_BIT_RSCAN, bin, bit_offset=bit_offset, bit_size=bit_size, val=value)


def bit_get_int(bin: str, bit_offset: int, bit_size: int, signed: bool = False) -> Operation:
    """Return an integer from bin starting at *bit_offset* for *bit_size*. (Read operation)"""
    return cdt_op(_OP_BIT_GET_INT, bin, bit_offset=bit_offset, bit_size=bit_size, signed=signed)
