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
| :mod:`.plan`           | the data set: :func:`~.plan.simulate`, the sampling plan, the splits, the held-out seed |
| :mod:`.common`         | what both attack chains share (strength, draw order, border strips)                  |

Each module's docstring tables its parameters. Bona fide images get the camera nuisances only, and both attack
chains end with the very same nuisances (drawn from the same distributions), so "was the image processed" does
not give the label away. Every parameter is drawn up front by ``*Params.draw`` with a fixed number of draws, so
the same seed and an explicit strength render the same nuisances (and the same noise fields) at any strength.

Held-out split: the bona fide pool is tiny (five public-domain portraits: 3 × Barack Obama, Joe Biden, Eileen
Collins). The held-out test split (base seed :data:`.plan.HELD_OUT_SEED`) is made of new random renderings (new
attack parameters, new nuisances) of the SAME source faces; identities are not disjoint. It measures robustness
to unseen renderings, not to unseen people.
"""
