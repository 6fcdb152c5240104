from django.db import migrations

from annotations.categories import DEFAULT_CATEGORIES, seed_categories


def seed(apps, schema_editor):
    seed_categories(apps.get_model("annotations", "Category"))


def unseed(apps, schema_editor):
    apps.get_model("annotations", "Category").objects.filter(code__in=[c[0] for c in DEFAULT_CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [
        # Tracking numbers come from one sequence: unique and gap-tolerant under concurrency.
        migrations.RunSQL("CREATE SEQUENCE annotations_tracking_seq START 1",
                          "DROP SEQUENCE IF EXISTS annotations_tracking_seq"),
        migrations.RunPython(seed, unseed),
    ]
