"""Every statement that changes layers_layer notifies the channel geoportal_layers, so that
connections remembering layer rows (geoportal/db/base.py) forget them."""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION layers_layer_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('geoportal_layers', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER layers_layer_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON layers_layer
    FOR EACH STATEMENT EXECUTE FUNCTION layers_layer_notify();
"""
DROP = """
DROP TRIGGER IF EXISTS layers_layer_notify ON layers_layer;
DROP FUNCTION IF EXISTS layers_layer_notify();
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0003_feature_writers_unconstrained")]
    operations = [migrations.RunSQL(CREATE, DROP)]
