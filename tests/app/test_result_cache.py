"""ui.result_cache: the app's one in-memory result cache, keyed by the SHA-256 of the inputs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pytest

from ui.result_cache import cached_result, cached_with_progress, result_key


def test_the_key_is_the_sha256_of_tagged_length_prefixed_parts():
    assert result_key() == hashlib.sha256(b"").hexdigest()
    assert result_key(b"ab") == hashlib.sha256(b"b" + (2).to_bytes(8, "little") + b"ab").hexdigest()
    assert result_key(7) == hashlib.sha256(b"v" + (1).to_bytes(8, "little") + b"7").hexdigest()


def test_keys_tell_types_boundaries_and_values_apart():
    keys = {result_key(b"1"), result_key("1"), result_key(1), result_key(1.0), result_key(True), result_key(None),
            result_key(b"ab", b"c"), result_key(b"a", b"bc"), result_key((1, 2)), result_key((1,), 2)}
    assert len(keys) == 10
    assert result_key("x", (0.5, None)) == result_key("x", (0.5, None))


@dataclass(frozen=True)
class Thresholds:
    low: float
    high: float


def test_dataclasses_and_arrays_are_keyed_by_their_contents():
    assert result_key(Thresholds(0.1, 0.2)) == result_key(Thresholds(0.1, 0.2)) != result_key(Thresholds(0.1, 0.3))
    assert result_key(np.float32(0.5)) == result_key(np.float32(0.5)) != result_key(np.float64(0.5))
    assert result_key(np.float32(0.5)) != result_key(0.5)
    a = np.arange(6, dtype=np.uint8)
    assert result_key(a) == result_key(a.copy()) != result_key(a.reshape(2, 3)) != result_key(a.astype(np.int16))


def test_a_part_without_a_faithful_key_is_a_type_error():
    with pytest.raises(TypeError, match="cannot key a result by a object"):
        result_key(object())


def test_a_decorated_function_runs_once_per_inputs():
    calls = []

    @cached_result("test-once", capacity=4)
    def double(data: bytes, factor: int) -> bytes:
        calls.append((data, factor))
        return data * factor

    assert double(b"ab", 2) == b"abab" and double(b"ab", 2) == b"abab"
    assert double(b"ab", 3) == b"ababab"
    assert calls == [(b"ab", 2), (b"ab", 3)]


def test_the_least_recently_used_result_is_dropped_first():
    calls = []

    @cached_result("test-lru", capacity=2)
    def square(x: int) -> int:
        calls.append(x)
        return x * x

    square(1), square(2), square(1), square(3)  # 2 is now the least recently used of three: dropped
    square(1), square(3), square(2)
    assert calls == [1, 2, 3, 2]


def test_errors_are_not_cached_and_none_is():
    calls = []

    @cached_result("test-errors")
    def flaky(x: int) -> None:
        calls.append(x)
        if len(calls) == 1:
            raise ValueError("first call fails")
        return None

    with pytest.raises(ValueError):
        flaky(1)
    assert flaky(1) is None and flaky(1) is None
    assert calls == [1, 1]


def test_progress_runs_only_on_a_miss():
    drawn = []

    def compute():
        drawn.append("progress")
        return np.ones(3)

    key = result_key(b"probe", "fv-rise", 128)
    first = cached_with_progress("test-progress", key, compute)
    again = cached_with_progress("test-progress", key, compute)
    assert again is first and drawn == ["progress"]
