"""Deterministic bucketing: a unit id and a seed hashed to one of 10,000 buckets in [0, 1).

The scheme is GrowthBook's hash version 2, so an assignment made here can be reproduced by
any GrowthBook SDK (and checked against one in the tests)::

    bucket(seed, unit) = fnv1a32(str(fnv1a32(seed + unit))) % 10_000 / 10_000

``fnv1a32`` is the 32-bit FNV-1a hash (offset basis 0x811C9DC5, prime 0x01000193) taken over
the string's UTF-16 code units, as the JavaScript SDK's ``charCodeAt`` loop does; for ASCII
text those are simply its bytes. Hashing the decimal string of the first hash again spreads
the low bits that FNV-1a leaves correlated between similar inputs.

Because FNV-1a consumes its input left to right, the hash of ``seed + unit`` equals the hash
of ``unit`` continued from the state the seed leaves behind (:func:`seed_state`), so compiled
flags hash only the unit id. :func:`bucket_indices` computes the same buckets for an array of
unit ids with numpy, one character column at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193
BUCKETS = 10_000
"""How many buckets the unit interval is cut into (hash version 2)."""

_MASK = 0xFFFFFFFF
_BMP = 0xFFFF


def fnv1a32(text: str, state: int = FNV_OFFSET) -> int:
    """FNV-1a (32 bit) over ``text``'s UTF-16 code units, continuing from ``state``."""
    if text.isascii():
        units: Sequence[int] = text.encode()
    else:
        raw = text.encode("utf-16-le", "surrogatepass")
        units = [raw[i] | raw[i + 1] << 8 for i in range(0, len(raw), 2)]
    value = state
    for unit in units:
        value = ((value ^ unit) * FNV_PRIME) & _MASK
    return value


def seed_state(seed: str) -> int:
    """The FNV-1a state after hashing ``seed``: bucketing a unit continues from it."""
    return fnv1a32(seed)


def bucket_index_from(state: int, unit: str) -> int:
    """The bucket (0 to 9,999) of ``unit`` under the seed whose state is ``state``."""
    return fnv1a32(str(fnv1a32(unit, state))) % BUCKETS


def bucket_index(seed: str, unit: str) -> int:
    """The bucket (0 to 9,999) of ``unit`` under ``seed``."""
    return bucket_index_from(seed_state(seed), unit)


def bucket(seed: str, unit: str) -> float:
    """GrowthBook's hash version 2: ``unit``'s position in [0, 1) under ``seed``."""
    return bucket_index(seed, unit) / BUCKETS


# --- seeds ---------------------------------------------------------------------------------
# Each purpose hashes with its own seed so that the buckets are independent: which variant a
# unit gets says nothing about whether it is in the rollout or in a namespace's slice. Salts
# cannot contain ":", so a flag's seeds never collide with a namespace's.


def variant_seed(salt: str) -> str:
    """The seed that picks a unit's variant (the flag's salt itself, as GrowthBook's)."""
    return salt


def rollout_seed(salt: str) -> str:
    """The seed of the rollout bucket, separate from the variant's so that raising coverage
    admits new units without moving the ones already in."""
    return f"{salt}:rollout"


def namespace_seed(namespace: str) -> str:
    """The seed every flag in ``namespace`` shares, so their slices exclude each other."""
    return f"namespace:{namespace}"


# --- vectorised ------------------------------------------------------------------------------


def bucket_indices(seed: str, units: Sequence[str] | NDArray[np.str_]) -> NDArray[np.int64]:
    """Buckets of many unit ids at once; equal to :func:`bucket_index` for each of them."""
    row: NDArray[np.int64] = bucket_matrix((seed,), units)[0]
    return row


def unit_lengths(
    units: Sequence[str] | NDArray[np.str_], codes: NDArray[np.str_]
) -> NDArray[np.int64]:
    """The length of each unit id. numpy's fixed-width strings drop trailing NUL characters,
    so for a Python sequence the lengths are taken from the strings themselves."""
    if isinstance(units, np.ndarray):
        return np.char.str_len(codes).astype(np.int64)
    return np.fromiter(map(len, units), dtype=np.int64, count=codes.shape[0])


def bucket_matrix(
    seeds: Sequence[str],
    units: Sequence[str] | NDArray[np.str_],
    *,
    codes: NDArray[np.str_] | None = None,
) -> NDArray[np.int64]:
    """Buckets of many unit ids under several seeds: shape ``(len(seeds), len(units))``.

    The ids are read once for all seeds, a cache-sized block of rows at a time. ``codes``
    is ``units`` as a numpy string array, when the caller already has it.
    """
    if codes is None:
        codes = np.asarray(units, dtype=np.str_)
    if codes.ndim != 1:
        raise ValueError("unit ids must be a one-dimensional sequence of strings")
    count, width = codes.shape[0], codes.dtype.itemsize // 4
    states = np.array([seed_state(seed) for seed in seeds], dtype=np.uint32)[:, np.newaxis]
    inner = np.repeat(states, count, axis=1)
    if count == 0 or width == 0:
        result: NDArray[np.int64] = _outer_hash(inner).astype(np.int64)
        return _patched(result, seeds, units, codes)
    points = codes.view(np.uint32).reshape(count, width)
    lengths = np.char.str_len(codes)
    rows = max(1024, _BLOCK_BYTES // (4 * width))
    for start in range(0, count, rows):
        block = slice(start, start + rows)
        inner[:, block] = _fnv_columns(points[block], lengths[block], inner[:, block])
    result = _outer_hash(inner).astype(np.int64)
    beyond_bmp: NDArray[np.bool_] = np.asarray((points > _BMP).any(axis=1))
    return _patched(result, seeds, units, codes, beyond_bmp)


def _patched(
    result: NDArray[np.int64],
    seeds: Sequence[str],
    units: Sequence[str] | NDArray[np.str_],
    codes: NDArray[np.str_],
    beyond_bmp: NDArray[np.bool_] | None = None,
) -> NDArray[np.int64]:
    """Redo with the scalar hash the rare rows the arrays cannot express: ids with
    characters outside the Basic Multilingual Plane (hashed as surrogate pairs) and ids
    whose trailing NUL characters numpy dropped."""
    odd = unit_lengths(units, codes) != np.char.str_len(codes)
    if beyond_bmp is not None:
        odd |= beyond_bmp
    for row in np.flatnonzero(odd).tolist():
        unit = str(units[row])
        for index, seed in enumerate(seeds):
            result[index, row] = bucket_index(seed, unit)
    return result


_BLOCK_BYTES = 1 << 19  # rows of ids per block: about an L2 cache's worth


def _fnv_columns(
    points: NDArray[np.uint32], lengths: NDArray[np.int_], states: NDArray[np.uint32]
) -> NDArray[np.uint32]:
    """FNV-1a over each row's code points, per seed (rows shorter than the widest stop
    early)."""
    prime = np.uint32(FNV_PRIME)
    value = states.copy()
    shortest = int(lengths.min())
    for column in range(points.shape[1]):
        step = (value ^ points[:, column]) * prime
        if column < shortest:
            value = step
        else:
            np.copyto(value, step, where=lengths > column)
    return value


def _outer_hash(inner: NDArray[np.uint32]) -> NDArray[np.uint32]:
    """``fnv1a32(str(inner)) % BUCKETS``: FNV-1a over the decimal digits, leading zeros
    skipped."""
    prime = np.uint32(FNV_PRIME)
    value = np.full(inner.shape, FNV_OFFSET, dtype=np.uint32)
    started = np.zeros(inner.shape, dtype=bool)
    ascii_zero, ten = np.uint32(ord("0")), np.uint32(10)
    for power in range(9, -1, -1):
        digit = (inner // np.uint32(10**power)) % ten
        if power == 0:
            started[...] = True
        else:
            started |= digit != 0
        step = (value ^ (digit + ascii_zero)) * prime
        np.copyto(value, step, where=started)
    result: NDArray[np.uint32] = value % np.uint32(BUCKETS)
    return result
