from django.db import migrations, models

GENESIS = "0" * 64


def head_create(apps, schema_editor):
    apps.get_model("audit", "ChainHead").objects.create(id=1, seq=0, hash=GENESIS, anchor_seq=0,
                                                        anchor_hash=GENESIS)


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Entry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(
                    blank=True, null=True, unique=True,
                    help_text="Position in the chain, from 1, without gaps; empty until sealed.")),
                ("recorded_at", models.DateTimeField(db_index=True)),
                ("user_id", models.IntegerField(blank=True, null=True)),
                ("username", models.CharField(blank=True, help_text="Or token:NAME, or console.", max_length=150)),
                ("action", models.CharField(max_length=40)),
                ("result", models.CharField(choices=[("ok", "ok"), ("refused", "refused"), ("failed", "failed")],
                                            default="ok", max_length=8)),
                ("layer_slug", models.CharField(blank=True, max_length=64)),
                ("target", models.CharField(blank=True, help_text="Whom or what the event is about.", max_length=150)),
                ("ip", models.CharField(blank=True, max_length=45)),
                ("user_agent", models.CharField(blank=True, max_length=300)),
                ("details", models.JSONField(blank=True, default=dict)),
                ("algorithm", models.CharField(blank=True, max_length=8)),
                ("prev_hash", models.CharField(blank=True, max_length=64)),
                ("hash", models.CharField(blank=True, max_length=64)),
            ],
            options={
                "verbose_name_plural": "entries",
                "ordering": ["-seq"],
                "indexes": [
                    models.Index(fields=["username", "recorded_at"], name="audit_entry_user_time"),
                    models.Index(fields=["layer_slug", "recorded_at"], name="audit_entry_layer_time"),
                    models.Index(fields=["action", "recorded_at"], name="audit_entry_action_time"),
                    models.Index(condition=models.Q(seq__isnull=True), fields=["id"], name="audit_entry_unsealed"),
                ],
            },
        ),
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
                ("anchor_seq", models.BigIntegerField(default=0)),
                ("anchor_hash", models.CharField(max_length=64)),
            ],
            options={
                "constraints": [models.CheckConstraint(condition=models.Q(id=1), name="audit_chainhead_single_row")],
            },
        ),
        migrations.RunPython(head_create, migrations.RunPython.noop),
    ]
