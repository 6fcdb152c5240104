import json

from django.db import migrations

from layers.search.text import bigrams

BATCH_SIZE = 5000


def rebuild_spanning_bigrams(apps, schema_editor):
    """Rows indexed before two-character pieces stopped spanning the '|' between a name and another
    value carry pieces with the '|' in them ('心|', '|红'): about two GIN entries a row that no query
    uses. The pieces follow from the stored text alone: recompute them where the text has a '|' and
    they differ, in batches by feature id."""
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT feature_id, text, bigrams FROM search_searchentry "
                           "WHERE feature_id > %s AND position('|' IN text) > 0 ORDER BY feature_id LIMIT %s",
                           [last, BATCH_SIZE])
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            changed = [(pk, pieces) for pk, text, stored in rows if (pieces := bigrams(text)) != list(stored)]
            if changed:
                cursor.execute("UPDATE search_searchentry s SET bigrams = ARRAY(SELECT jsonb_array_elements_text(v.b)) "
                               "FROM unnest(%s::bigint[], %s::jsonb[]) AS v(id, b) WHERE s.feature_id = v.id",
                               [[pk for pk, _ in changed], [json.dumps(p, ensure_ascii=False) for _, p in changed]])


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0002_entry_layer_unconstrained"),
    ]

    operations = [
        migrations.RunPython(rebuild_spanning_bigrams, migrations.RunPython.noop, elidable=True),
    ]
