"""Signals for decoupled side effects of feature writes (tile-cache invalidation, search refresh).

`features_changed` is sent after the transaction commits, with `layer_id` and `bboxes`: a list
of (west, south, east, north) boxes in EPSG:4326 covering every old and new geometry touched.
"""
from django.dispatch import Signal

features_changed = Signal()
