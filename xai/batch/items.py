"""Work items of a batch and their keys: one image or one pair, read by content, keyed by what decides the result.

An item's **key** is the SHA-256 of the task, the kind of run ("explain", "evaluate"), the SHA-256 of each input's
bytes and the run's parameters (canonical JSON). The models' file hashes are recorded in each stored result and
checked on resume (:meth:`xai.batch.store.BatchStore.is_current`), so a result is reused only when inputs,
parameters and model files are all unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from models.hashing import sha256_file


@dataclass(frozen=True, slots=True)
class ItemInput:
    """One input of an item on the client: ``path`` (read when the item is sent), its ``role`` and SHA-256
    (None when the file could not be read; ``error`` says why)."""

    path: Path
    role: str
    sha256: str | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One item to compute.

    Attributes:
        name: unique in the batch; the report folder ``OUT/<name>/`` and the summary's ``item`` column.
        inputs: in the task's ``input_roles`` order.
        fields: the protocol's other columns (e.g. ``same``, ``probe_age``; ``label`` 0/1 when known), JSON-ready.
        key: see the module docstring (64 hex).
    """

    name: str
    inputs: tuple[ItemInput, ...]
    fields: dict = field(default_factory=dict)
    key: str = ""

    @property
    def unreadable(self) -> str | None:
        """Why an input could not be read on the client, or None."""
        return next((f"{i.path.name}: {i.error}" for i in self.inputs if i.error), None)

    def payload(self) -> Payload:
        """The item as sent to a worker: the inputs' bytes, never their paths.

        Raises:
            OSError: an input can no longer be read.
        """
        return Payload(self.key, self.name, tuple((i.path.name, i.role, i.path.read_bytes()) for i in self.inputs),
                       dict(self.fields))


@dataclass(frozen=True, slots=True)
class Payload:
    """What a worker gets: ``inputs`` as (file name, role, bytes), so workers need no shared file system."""

    key: str
    name: str
    inputs: tuple[tuple[str, str, bytes], ...]
    fields: dict


def canonical(value) -> str:
    """Canonical JSON (sorted keys, no spaces) of a JSON-ready value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


def item_key(task: str, kind: str, input_hashes: Sequence[str | None], parameters: dict) -> str:
    """The item key (64 hex): SHA-256 of task, kind, input hashes and parameters."""
    text = canonical({"task": task, "kind": kind, "inputs": list(input_hashes), "parameters": parameters})
    return hashlib.sha256(text.encode()).hexdigest()


def make_items(task: str, kind: str, rows: Iterable[tuple[str, Sequence[Path], dict]], roles: Sequence[str],
               parameters: dict) -> list[WorkItem]:
    """Work items of (name, input paths, fields) rows: inputs hashed once per path, names made unique.

    A name seen before gets ``~2``, ``~3`` … (e.g. ``a.jpg`` and ``a.png`` both named ``a``); a row whose key
    equals an earlier row's (the same inputs listed twice) is dropped, so each item is computed once.
    """
    hashes: dict[Path, tuple[str | None, str | None]] = {}

    def digest(path: Path) -> tuple[str | None, str | None]:
        if path not in hashes:
            try:
                hashes[path] = (sha256_file(path), None)
            except OSError as exc:
                hashes[path] = (None, f"{type(exc).__name__}: {exc.strerror or exc}")
        return hashes[path]

    items, names, keys = [], set(), set()
    for name, paths, fields in rows:
        inputs = tuple(ItemInput(Path(p), role, *digest(Path(p))) for p, role in zip(paths, roles, strict=True))
        key = item_key(task, kind, [i.sha256 or f"unreadable:{i.path}" for i in inputs], parameters)
        if key in keys:
            continue
        keys.add(key)
        unique, n = name, 1
        while unique in names:
            n += 1
            unique = f"{name}~{n}"
        names.add(unique)
        items.append(WorkItem(unique, inputs, dict(fields), key))
    return items
