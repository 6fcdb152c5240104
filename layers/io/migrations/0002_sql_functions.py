from django.db import migrations

IS_DATE = r"""
CREATE OR REPLACE FUNCTION layers_io_is_date(value text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF value !~ '^\s*\d{4}-\d{2}-\d{2}\s*$' THEN RETURN false; END IF;
  PERFORM btrim(value)::date;
  RETURN true;
EXCEPTION WHEN others THEN
  RETURN false;
END $$;
"""


class Migration(migrations.Migration):
    """SQL helpers for set-wise validation of staged import rows."""

    dependencies = [("layers_io", "0001_import_job")]

    operations = [
        migrations.RunSQL(IS_DATE, reverse_sql="DROP FUNCTION IF EXISTS layers_io_is_date(text);"),
    ]
