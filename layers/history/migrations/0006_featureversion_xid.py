# The change feed (layers/changes) hands out versions in the order of the transactions that wrote
# them and only once every older transaction has ended; for that each version keeps the id of its
# writing transaction. Django has no xid8 field: the column is filled by its default and read by
# raw SQL (layers/changes/feed.py), so the model does not name it.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('history', '0005_featureversion_layer_geom_gist'),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                "ALTER TABLE history_featureversion ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id()",
                "CREATE INDEX featureversion_layer_xid ON history_featureversion (layer_id, xid, id)",
            ],
            reverse_sql=[
                "DROP INDEX featureversion_layer_xid",
                "ALTER TABLE history_featureversion DROP COLUMN xid",
            ],
        ),
    ]
