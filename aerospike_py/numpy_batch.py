"""``batch_read(...).to_numpy(dtype)``: one structured-array row per requested key."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from aerospike_py.types import UserKey

__all__ = ["NumpyBatchRecords"]

META_DTYPE = np.dtype([("gen", "<u4"), ("ttl", "<i8")])
"""Packed, as the native core writes each row: generation, then TTL in seconds."""


class NumpyBatchRecords:
    """Rows in request order; a key that was not found keeps a zero row marked by ``found``.

    ``batch_records`` has the caller's dtype, ``meta`` holds ``gen``/``ttl`` per row,
    ``result_codes`` the per-key result code (0 found, 2 not found, ...), ``found`` the mask
    of rows that hold a record. Bins absent from a found record stay zero.
    """

    batch_records: npt.NDArray[np.void]
    meta: npt.NDArray[np.void]
    result_codes: npt.NDArray[np.int32]
    found: npt.NDArray[np.bool_]

    def __init__(
        self,
        batch_records: npt.NDArray[np.void],
        meta: npt.NDArray[np.void],
        result_codes: npt.NDArray[np.int32],
        keys: list[UserKey | None],
    ) -> None:
        self.batch_records = batch_records
        self.meta = meta
        self.result_codes = result_codes
        self.found = result_codes == 0
        self._keys = keys

    @classmethod
    def _from_buffers(
        cls,
        dtype: np.dtype[Any],
        rows: bytearray,
        codes: bytearray,
        meta: bytearray,
        keys: list[UserKey | None],
    ) -> NumpyBatchRecords:
        """Wraps the buffers the native core filled: shared, not copied."""
        return cls(
            np.frombuffer(rows, dtype=dtype),
            np.frombuffer(meta, dtype=META_DTYPE),
            np.frombuffer(codes, dtype="<i4"),
            keys,
        )

    @functools.cached_property
    def _rows(self) -> dict[UserKey, int]:
        """Row by key, made at the first lookup: most callers only use the arrays."""
        return {key: row for row, key in enumerate(self._keys) if key is not None}

    def get(self, key: UserKey) -> np.void:
        """The row of ``key``; KeyError when it was not requested."""
        row: np.void = self.batch_records[self._rows[key]]
        return row

    def __len__(self) -> int:
        return len(self.batch_records)

    def __iter__(self) -> Iterator[np.void]:
        return iter(self.batch_records)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __repr__(self) -> str:
        return f"NumpyBatchRecords({len(self)} rows, {int(self.found.sum())} found)"
