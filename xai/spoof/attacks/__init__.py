"""Presentation-attack simulator: print and replay attacks rendered from a bona fide photo, plus bona fide nuisances.

The Replay-Attack data set cannot be had here, so the region models are trained on attacks simulated from the
bona fide pool. Every image function takes an (H, W, 3) uint8 RGB image and a ``numpy.random.Generator`` and
returns an (H, W, 3) uint8 RGB image of the same size. Geometry stays mild (the print or screen fills most of
the frame; its edge, bezel or the holding fingers show only near the border), so the face stays where it was
and MediaPipe Face Mesh finds it again. ``strength`` s ∈ [0, 1] scales how visible the attack artefacts are
(``None`` draws s ~ U[0.3, 1]); the camera nuisances do not depend on s.

| module                 | what it renders                                                                     |
|------------------------|-------------------------------------------------------------------------------------|
| :mod:`.bona_fide`      | a genuine capture: the camera nuisances of :mod:`xai.core.capture` only              |
| :mod:`.print_chain`    | a printed photo held up to the camera (gamut, halftone, paper, bending, edge, fingers) |
| :mod:`.replay_chain`   | a photo shown on a screen (display tone, banding, sub-pixel grid and moiré, glare, bezel) |
| :mod:`.moire`          | a fine-pitch display at 0–30°: screen moiré alone, at several pitches and angles       |
| :mod:`.curved_print`   | a glossy print bent round an axis: foreshortening, Lambertian shading, specular band  |
| :mod:`.cutout`         | a printed mask with eye and mouth holes (Face Mesh landmarks) over a live face        |
| :mod:`.lowres`         | a print or replay attack rendered at low resolution and upscaled                      |
| :mod:`.studio_light`   | bona fide: key light ramp, high key, rim light, colour cast                          |
| :mod:`.retouch`        | bona fide: edge-preserving skin smoothing, glow, saturation                          |
| :mod:`.jpeg_levels`    | bona fide: resize and one or two JPEG saves at quality 12–95                         |
| :mod:`.phone_noise`    | bona fide: signal-dependent noise, the phone's denoising and sharpening              |
| :mod:`.small_face`     | bona fide: the face captured small, saved, enlarged                                  |
| :mod:`.plan`           | the data set: :data:`~.plan.SPECIES`, :func:`~.plan.simulate`, the sampling plans      |
|                        | (sample portraits; the bona fide pool's :func:`~.plan.pool_plan`, :func:`~.plan.heldout_plan`) |
| :mod:`.common`         | what both attack chains share (strength, draw order, border strips)                  |
| :mod:`.draws`          | the draw order the newer species share (strength, uniforms, integers), bona fide too |

Each module's docstring tables its parameters. Bona fide images get the camera nuisances only, and both attack
chains end with the very same nuisances (drawn from the same distributions), so "was the image processed" does
not give the label away. Every parameter is drawn up front by ``*Params.draw`` with a fixed number of draws, so
the same seed and an explicit strength render the same nuisances (and the same noise fields) at any strength.

Held-out splits: the classic plan over the five sample portraits (3 × Barack Obama, Joe Biden, Eileen Collins)
renders its held-out split (base seed :data:`.plan.HELD_OUT_SEED`) from the SAME source faces: it measures
robustness to unseen renderings, not to unseen people. The bona fide pool's plans (:mod:`xai.core.pool`) split by
identity: the held-out photos (:func:`.plan.heldout_plan`) show people no training or validation sample shows.
"""
