"""The import's hook for feature history.

Imports write features set-wise in SQL rather than through layers.services.features_bulk_create
(which validates and inserts row by row). `features_imported` is sent inside the import's
transaction, after the write, so that a history recorder can log the same changes with channel
"import" atomically with them. Arguments: layer_id, user, channel ("import"), job_id, and the ids
of the features created, updated and deleted.
"""
from django.dispatch import Signal

features_imported = Signal()
