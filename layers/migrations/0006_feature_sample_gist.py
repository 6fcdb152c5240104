"""A GiST index over (layer, geometry) of one feature in 32 (id % 32 = 0): the sample a
rendered map of a dense view counts and draws from (layers/maps/mapfile.py), so that a map of
a whole city reads a thirty-second of its features instead of all of them."""
from django.db import migrations

SAMPLE = 32


class Migration(migrations.Migration):

    dependencies = [
        ("layers", "0005_layer_kind"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX feature_sample_geom_gist ON layers_feature USING gist (layer_id, geom) "
            f"WHERE id % {SAMPLE} = 0",
            "DROP INDEX feature_sample_geom_gist",
        ),
    ]
