"""GiST indexes over (layer, geometry) of one feature in 8 and one in 32 (by id): the samples
a dense vector tile or rendered map counts and draws from (layers/tiles/queries.py,
layers/maps/mapfile.py), so that a view of a whole city reads an eighth or a thirty-second of its
features instead of all of them."""
from django.db import migrations

SAMPLES = (8, 32)


class Migration(migrations.Migration):

    dependencies = [
        ("layers", "0005_layer_kind"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX feature_sample{n}_geom_gist ON layers_feature USING gist (layer_id, geom) "
            f"WHERE id % {n} = 0",
            f"DROP INDEX feature_sample{n}_geom_gist",
        )
        for n in SAMPLES
    ]
