"""Bucketing: known answers from the FNV and GrowthBook specifications, the vectorised path
against the scalar one, uniformity and independence of the buckets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from prodloop.experiments.flags.hashing import (
    BUCKETS,
    FNV_OFFSET,
    FNV_PRIME,
    bucket,
    bucket_index,
    bucket_index_from,
    bucket_indices,
    bucket_matrix,
    fnv1a32,
    namespace_seed,
    rollout_seed,
    seed_state,
    variant_seed,
)

IDS = [f"user-{i}" for i in range(100_000)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The FNV authors' published test vectors for 32-bit FNV-1a.
        ("", 0x811C9DC5),
        ("a", 0xE40C292C),
        ("foobar", 0xBF9CF968),
    ],
)
def test_fnv1a32_matches_the_published_vectors(text: str, expected: int) -> None:
    assert fnv1a32(text) == expected


def test_non_ascii_text_is_hashed_by_utf16_code_units() -> None:
    # One step of the documented algorithm per UTF-16 code unit: "é" is the unit 0xE9; the
    # emoji is the surrogate pair D83D DE00.
    def step(state: int, unit: int) -> int:
        return ((state ^ unit) * FNV_PRIME) & 0xFFFFFFFF

    assert fnv1a32("é") == step(FNV_OFFSET, 0xE9)
    assert fnv1a32("\U0001f600") == step(step(FNV_OFFSET, 0xD83D), 0xDE00)
    assert fnv1a32("aé") == step(step(FNV_OFFSET, ord("a")), 0xE9)


@pytest.mark.parametrize(
    ("seed", "unit", "expected"),
    [
        # GrowthBook's SDK specification (cases.json, "hash", version 2).
        ("seed", "a", 0.0505),
        ("seed", "b", 0.2696),
        ("foo", "ab", 0.2575),
        ("foo", "def", 0.2019),
        ("89123klj", "8952klfjas09ujkasdf", 0.124),
        ("90850943850283058242805", "123", 0.7516),
        ("()**(%$##$%#$#", '___)((*":&', 0.0128),
    ],
)
def test_bucket_matches_growthbooks_hash_version_2(seed: str, unit: str, expected: float) -> None:
    assert bucket(seed, unit) == expected


def test_bucket_by_hand_from_the_definition() -> None:
    inner = fnv1a32("checkout" + "user-1")
    assert bucket_index("checkout", "user-1") == fnv1a32(str(inner)) % BUCKETS


@given(seed=st.text(max_size=20), unit=st.text(max_size=40))
def test_hashing_from_the_seed_state_equals_hashing_the_concatenation(seed: str, unit: str) -> None:
    assert bucket_index_from(seed_state(seed), unit) == fnv1a32(str(fnv1a32(seed + unit))) % BUCKETS


@settings(max_examples=60)
@given(
    seeds=st.lists(st.text(max_size=12), min_size=1, max_size=3),
    units=st.lists(st.text(max_size=30), max_size=40),
)
def test_vectorised_buckets_equal_scalar_buckets(seeds: list[str], units: list[str]) -> None:
    matrix = bucket_matrix(seeds, units)
    assert matrix.shape == (len(seeds), len(units))
    for row, seed in enumerate(seeds):
        assert matrix[row].tolist() == [bucket_index(seed, unit) for unit in units]


def test_vectorised_buckets_keep_trailing_nul_characters() -> None:
    units = ["a\x00", "\x00", "", "a"]
    assert bucket_indices("s", units).tolist() == [bucket_index("s", u) for u in units]


def test_vectorised_buckets_over_many_rows_and_widths() -> None:
    units = [f"{'x' * (i % 50)}{i}" for i in range(20_000)]
    expected = [bucket_index("flag", unit) for unit in units]
    assert bucket_indices("flag", units).tolist() == expected
    assert bucket_indices("flag", np.asarray(units)).tolist() == expected


@pytest.mark.parametrize("seed", [variant_seed("checkout"), rollout_seed("checkout"), "x"])
def test_buckets_are_uniform(seed: str) -> None:
    counts = np.bincount(bucket_indices(seed, IDS) // 100, minlength=100)
    assert stats.chisquare(counts).pvalue > 1e-4
    per_bucket = np.bincount(bucket_indices(seed, IDS), minlength=BUCKETS)
    assert stats.chisquare(per_bucket).pvalue > 1e-4


def test_a_flags_buckets_are_independent_of_each_other() -> None:
    variant = bucket_indices(variant_seed("checkout"), IDS) // 1000
    rollout = bucket_indices(rollout_seed("checkout"), IDS) // 1000
    namespace = bucket_indices(namespace_seed("pricing"), IDS) // 1000
    for first, second in [(variant, rollout), (variant, namespace), (rollout, namespace)]:
        table = np.zeros((10, 10))
        np.add.at(table, (first, second), 1)
        assert stats.chi2_contingency(table).pvalue > 1e-4


def test_similar_salts_give_unrelated_assignments() -> None:
    first = bucket_indices("checkout", IDS) < 5000
    second = bucket_indices("checkout-2", IDS) < 5000
    agreement = float(np.mean(first == second))
    assert abs(agreement - 0.5) < 0.01
