"""Signal receivers that keep catalogue records fresh after the layer or its data changed.

Decoupled side effects only (the edit's own code knows nothing of the catalogue): each runs
after the transaction commits and costs a few single-row statements, never a scan."""
from __future__ import annotations

from django.db import transaction

from layers.catalogue.services import record_data_changed, record_refresh
from layers.models import Layer


def on_layer_saved(sender, *, instance: Layer, **kwargs) -> None:
    """A layer was created or its metadata changed: create or refresh its record."""
    layer_id = instance.pk
    transaction.on_commit(lambda: _refresh_if_present(layer_id))


def _refresh_if_present(layer_id: int) -> None:
    layer = Layer.objects.filter(pk=layer_id).first()
    if layer is not None:
        record_refresh(layer=layer)


def on_features_changed(sender, *, layer_id: int, bboxes=None, **kwargs) -> None:
    """Receiver of layers.signals.features_changed (sent after the commit)."""
    record_data_changed(layer_id=layer_id)
