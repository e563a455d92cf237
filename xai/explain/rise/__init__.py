"""FV-RISE and CorrRISE for face verification (seed 001 §III.B–C, §IV.C.1–2), batched and streaming.

Both explain a score function (:mod:`xai.explain.score`) — the similarity of masked probes to a fixed gallery
embedding — so they serve any embedder, differentiable or not. One sampler or explainer per module:

* :mod:`.masks` — RISE masks in factored form (:class:`~.masks.MaskFactors`) and the bilinear upsampling;
* :mod:`.rise_sampler` — :class:`~.rise_sampler.RiseMaskSampler` (random or Sobol grids);
* :mod:`.patch_sampler` — :class:`~.patch_sampler.PatchMaskSampler` (CorrRISE's square occluders);
* :mod:`.stream` — masks drawn in fixed chunks, so the maps do not depend on the batch size;
* :mod:`.accumulate` — the O(H·W) running sums of both estimators;
* :mod:`.engine` — the streaming loop shared by both explainers: masking, scoring, precision choice, early stop;
* :mod:`.fv` — :func:`~.fv.fv_rise`; :mod:`.corr` — :func:`~.corr.corr_rise`;
* :mod:`.result` — :class:`~.result.SaliencyResult`.

Masks are generated per batch from a seeded generator and applied to the probe; only running sums are kept,
so memory is O(H·W) whatever the number of masks N. Same probe, score function, parameters and seed give the
same map bit for bit.
"""
