"""A result cache for computations that report progress to widgets while they run.

``st.cache_data`` replays the Streamlit calls made inside a cached function, so a function that draws a
progress bar or a converging map created outside it fails on the next rerun (``CacheReplayClosureError``).
This cache stores only the returned value, keyed by the SHA-256 of the inputs and the parameters, in a small
in-memory LRU shared by the server process (never on disk); the progress callback runs only on a miss.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import streamlit as st


class _LruStore:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: str, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.capacity:
                self.items.popitem(last=False)


@st.cache_resource
def _store(name: str, capacity: int) -> _LruStore:
    return _LruStore(capacity)


def result_key(*parts: bytes | str | int | float | bool | None) -> str:
    """SHA-256 over the parts (bytes as they are, everything else by ``repr``)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode()
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def cached_with_progress(name: str, key: str, compute: Callable[[], Any], capacity: int = 32) -> Any:
    """``compute()`` once per ``key`` in the store ``name``; later calls return the stored value."""
    store = _store(name, capacity)
    value = store.get(key)
    if value is None:
        value = compute()
        store.put(key, value)
    return value
