from django.db import migrations


class Migration(migrations.Migration):
    """An entry's layer is its feature's layer, and the entry leaves with its feature (which cannot
    outlive its layer), so the entry -> layer constraint checked nothing the feature's does not:
    it only cost a lookup per indexed row."""

    dependencies = [
        ("search", "0001_search_entry"),
    ]

    operations = [
        migrations.RunSQL(
            sql="ALTER TABLE search_searchentry DROP CONSTRAINT search_entry_layer_fk",
            reverse_sql="ALTER TABLE search_searchentry ADD CONSTRAINT search_entry_layer_fk FOREIGN KEY (layer_id) "
                        "REFERENCES layers_layer (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED",
        ),
    ]
