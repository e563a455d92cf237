"""The app's one cache for results a page computes: in memory, keyed by the SHA-256 of the inputs.

Every page caches what it computes here (decisions, maps, gate results, rendered samples), never with
``st.cache_data``: that cache replays the Streamlit calls made inside a cached function, so a function that draws a
progress bar or a converging map created outside it fails on the next rerun (``CacheReplayClosureError``). This
cache stores only the returned value, keyed by the SHA-256 of the inputs and the parameters, in small in-memory
LRU stores shared by the server process (uploads never go to disk); the computation, and any progress or spinner
it shows, runs only on a miss. Values are shared between sessions: treat them as read-only.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import numpy as np
import streamlit as st

P = ParamSpec("P")
R = TypeVar("R")
_MISSING = object()


class _LruStore:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return _MISSING

    def put(self, key: str, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.capacity:
                self.items.popitem(last=False)


@st.cache_resource
def _store(name: str, capacity: int) -> _LruStore:
    return _LruStore(capacity)


def _feed(digest: Any, part: Any) -> None:
    if isinstance(part, bytes):
        tag, data = b"b", part
    elif part is None or isinstance(part, (bool, int, float, str)):
        tag, data = b"v", repr(part).encode()
    elif isinstance(part, np.generic):  # a NumPy scalar, e.g. a float32 coordinate
        tag, data = b"s", repr((part.dtype.str, part.item())).encode()
    elif isinstance(part, np.ndarray):
        tag, data = b"a", repr((part.dtype.str, part.shape)).encode() + np.ascontiguousarray(part).tobytes()
    elif isinstance(part, (tuple, list)):
        digest.update(b"t" + len(part).to_bytes(8, "little"))
        for item in part:
            _feed(digest, item)
        return
    elif dataclasses.is_dataclass(part) and not isinstance(part, type):
        digest.update(b"d" + type(part).__qualname__.encode())
        _feed(digest, [(f.name, getattr(part, f.name)) for f in dataclasses.fields(part)])
        return
    else:
        raise TypeError(f"cannot key a result by a {type(part).__name__}: pass bytes, str, numbers, None, "
                        "arrays, or tuples and dataclasses of them")
    digest.update(tag + len(data).to_bytes(8, "little") + data)


def result_key(*parts: Any) -> str:
    """SHA-256 (hex) over the parts: bytes as they are, str/int/float/bool/None by ``repr``, NumPy scalars and
    arrays by dtype (and shape) and value, tuples/lists and dataclasses item by item; each part's kind is part of
    the key.

    Raises:
        TypeError: a part of another type (its ``repr`` might not identify its value).
    """
    digest = hashlib.sha256()
    for part in parts:
        _feed(digest, part)
    return digest.hexdigest()


def cached_with_progress(name: str, key: str, compute: Callable[[], R], capacity: int = 32) -> R:
    """``compute()`` once per ``key`` in the store ``name`` (the ``capacity`` most recent kept); later calls
    return the stored value without calling ``compute``, so the progress it draws is drawn only on a miss."""
    store = _store(name, capacity)
    value = store.get(key)
    if value is _MISSING:
        value = compute()
        store.put(key, value)
    return value


def cached_result(name: str, capacity: int = 16, spinner: str | None = None) -> Callable[[Callable[P, R]],
                                                                                          Callable[P, R]]:
    """Decorator: cache a page's function in the store ``name``, keyed by :func:`result_key` of its arguments.

    Args:
        name: the store (one per cached function).
        capacity: results kept, the least recently used dropped first.
        spinner: text of a spinner shown while a miss is computed (none when None).
    """
    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def cached(*args: P.args, **kwargs: P.kwargs) -> R:
            key = result_key(*args, *sorted(kwargs.items()))

            def compute() -> R:
                if spinner is None:
                    return function(*args, **kwargs)
                with st.spinner(spinner):
                    return function(*args, **kwargs)

            return cached_with_progress(name, key, compute, capacity)

        return cached

    return decorate
