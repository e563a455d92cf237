"""Batch engine: every item of a protocol explained or scored on Dask distributed, each result stored as it ends.

* :mod:`.items`: :class:`~.items.WorkItem` (one image or one pair with its fields), input hashes and item keys;
* :mod:`.store`: the output folder: atomic per-item result files, resume, ``failed.json``, progress;
* :mod:`.worker`: what runs in a worker process: the per-process model cache and the task function;
* :mod:`.engine`: the local or remote cluster, bounded submission, retries, ``as_completed`` progress;
* :mod:`.jobs`: the wiring (a composition root like :mod:`xai.tasks`): what one item of each task computes, and
  what a batch's stored results add up to.

Everything but :mod:`.jobs` is generic: it never names a task.
"""
