from django.db import migrations

CATEGORIES = [
    # code, zh, en, icon, deadline days
    ("road_damage", "道路破损", "Road damage", "🚧", 7),
    ("street_light", "路灯故障", "Street light", "💡", 5),
    ("drainage", "排水积水", "Drainage", "🌊", 3),
    ("illegal_construction", "违法建设", "Illegal construction", "🏗️", 15),
    ("environment", "环境卫生", "Environment", "🌳", 7),
    ("public_facility", "公共设施", "Public facility", "🏛️", 10),
    ("suggestion", "意见建议", "Suggestion", "💬", 30),
    ("other", "其他", "Other", "📌", 15),
]


def seed(apps, schema_editor):
    Category = apps.get_model("annotations", "Category")
    for position, (code, zh, en, icon, days) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "icon": icon, "deadline_days": days,
                                 "position": position},
        )


def unseed(apps, schema_editor):
    apps.get_model("annotations", "Category").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [
        # Tracking numbers come from one sequence: unique and gap-tolerant under concurrency.
        migrations.RunSQL("CREATE SEQUENCE annotations_tracking_seq START 1",
                          "DROP SEQUENCE IF EXISTS annotations_tracking_seq"),
        migrations.RunPython(seed, unseed),
    ]
