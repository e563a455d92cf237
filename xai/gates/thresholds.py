"""Configurable thresholds of the passive-liveness gates, with the seed 002 defaults, and the verdict bands.

Verdicts: ``"accept"``, ``"doubt"`` and ``"reject"`` for the seed's three-zone tables; ``"pass"`` and ``"warn"``
for the input specification, which the seed gives as recommendations only.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

ACCEPT, DOUBT, REJECT = "accept", "doubt", "reject"
PASS, WARN, NOT_APPLICABLE = "pass", "warn", "n/a"
VERDICTS = (ACCEPT, DOUBT, REJECT, PASS, WARN, NOT_APPLICABLE)


@dataclass(frozen=True, slots=True)
class GateThresholds:
    """Every threshold of the gates; the defaults are the seed's (seed 002) unless stated otherwise.

    Attributes:
        min_file_kb, max_file_mb: recommended file size, 100 KB to 2 MB (1 KB = 1000 bytes).
        min_megapixels: recommended camera resolution, above 2 MP.
        min_jpeg_quality: recommended JPEG quality, 80 (IJG scale 1..100, estimated from the quantisation tables).
        min_face_w, min_face_h: minimum face size in pixels, 300 × 300 (the seed's alternative is 600 × 600).
        max_yaw, max_pitch, max_roll: frontal limits in degrees (ours; the seed only says "frontal").
        max_tilt_from_vertical: the face's chin→forehead axis may deviate this much from upright, degrees (ours).
        max_occlusion: a region whose occlusion score exceeds this is reported occluded (ours).
        sharpness, contrast, brightness: (reject below, accept from) of the seed's quality table.
        component: (doubt from, reject above) for the spoof components: < 0.5 low, 0.5..0.6 doubt, > 0.6 spoof.
        liveness: (spoof below, live from) for the liveness score: < 0.5 spoof, 0.5..0.6 doubt, ≥ 0.6 live
            (the seed's threshold figure is missing; these bands reproduce its three example responses).
    """

    min_file_kb: float = 100.0
    max_file_mb: float = 2.0
    min_megapixels: float = 2.0
    min_jpeg_quality: int = 80
    min_face_w: int = 300
    min_face_h: int = 300
    max_yaw: float = 25.0
    max_pitch: float = 25.0
    max_roll: float = 20.0
    max_tilt_from_vertical: float = 45.0
    max_occlusion: float = 0.5
    sharpness: tuple[float, float] = (0.1, 0.2)
    contrast: tuple[float, float] = (0.5, 0.6)
    brightness: tuple[float, float] = (0.3, 0.4)
    component: tuple[float, float] = (0.5, 0.6)
    liveness: tuple[float, float] = (0.5, 0.6)

    def __post_init__(self) -> None:
        for name in ("sharpness", "contrast", "brightness", "component", "liveness"):
            low, high = getattr(self, name)
            if not 0.0 <= low <= high <= 1.0:
                raise ValueError(f"{name} thresholds must satisfy 0 ≤ low ≤ high ≤ 1, got ({low}, {high})")
        for name in ("min_face_w", "min_face_h", "min_file_kb", "max_file_mb", "min_megapixels"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be ≥ 0, got {getattr(self, name)}")
        if not 1 <= self.min_jpeg_quality <= 100:
            raise ValueError(f"min_jpeg_quality must be in 1..100, got {self.min_jpeg_quality}")

    def with_changes(self, **changes) -> GateThresholds:
        """A copy with some thresholds changed; unknown names raise ``ValueError`` listing the valid ones."""
        valid = {f.name for f in fields(self)}
        unknown = set(changes) - valid
        if unknown:
            raise ValueError(f"unknown threshold(s) {sorted(unknown)}; valid: {', '.join(sorted(valid))}")
        return replace(self, **changes)


def quality_verdict(value: float, bands: tuple[float, float]) -> str:
    """Seed table for a higher-is-better measure: ``value < low`` reject, ``low ≤ value < high`` doubt, else accept."""
    low, high = bands
    if value < low:
        return REJECT
    if value < high:
        return DOUBT
    return ACCEPT


def component_verdict(value: float, bands: tuple[float, float]) -> str:
    """Seed rule for a spoof component (higher = more spoof-like): ``> high`` reject, ``< low`` accept, else doubt."""
    low, high = bands
    if value > high:
        return REJECT
    if value < low:
        return ACCEPT
    return DOUBT
