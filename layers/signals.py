"""Signals for decoupled side effects of feature writes (tile-cache invalidation, search refresh,
the live map).

`features_changed` is sent after the transaction commits, with `layer_id` and `bboxes`: a list
of (west, south, east, north) boxes in EPSG:4326 covering every old and new geometry touched.
Writes of single features also pass `changes`, a list of FeatureChange; bulk writes (imports,
clearing a layer) pass `bboxes=None` and no `changes`: the whole layer changed.
"""
from dataclasses import dataclass

from django.dispatch import Signal

features_changed = Signal()


@dataclass(frozen=True)
class FeatureChange:
    """One committed feature write: which feature, what happened, its version after the write,
    and the box covering its old and new geometry (None when it had none)."""

    feature_id: int
    action: str  # "create" | "update" | "delete"
    version: int
    bbox: tuple[float, float, float, float] | None
