from django.db import migrations

# The forward WGS 84 -> GCJ-02 formula of layers/gcj02.py (the public one), so that exports in
# GCJ-02 are converted by PostGIS while ogr2ogr reads them, one geometry at a time.
POINT = r"""
CREATE OR REPLACE FUNCTION layers_io_point_to_gcj02(p geometry) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  lon float8 := ST_X(p);
  lat float8 := ST_Y(p);
  a CONSTANT float8 := 6378245.0;
  ee CONSTANT float8 := 0.00669342162296594323;
  x float8 := lon - 105.0;
  y float8 := lat - 35.0;
  dlat float8;
  dlon float8;
  magic float8;
  sqrt_magic float8;
BEGIN
  IF NOT (lon BETWEEN 72.004 AND 137.8347 AND lat BETWEEN 0.8293 AND 55.8271) THEN
    RETURN p;  -- outside China the formula leaves coordinates as they are
  END IF;
  dlat := -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x));
  dlat := dlat + (20.0 * sin(6.0 * x * pi()) + 20.0 * sin(2.0 * x * pi())) * 2.0 / 3.0;
  dlat := dlat + (20.0 * sin(y * pi()) + 40.0 * sin(y / 3.0 * pi())) * 2.0 / 3.0;
  dlat := dlat + (160.0 * sin(y / 12.0 * pi()) + 320 * sin(y * pi() / 30.0)) * 2.0 / 3.0;
  dlon := 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x));
  dlon := dlon + (20.0 * sin(6.0 * x * pi()) + 20.0 * sin(2.0 * x * pi())) * 2.0 / 3.0;
  dlon := dlon + (20.0 * sin(x * pi()) + 40.0 * sin(x / 3.0 * pi())) * 2.0 / 3.0;
  dlon := dlon + (150.0 * sin(x / 12.0 * pi()) + 300.0 * sin(x / 30.0 * pi())) * 2.0 / 3.0;
  magic := 1 - ee * sin(lat / 180.0 * pi()) ^ 2;
  sqrt_magic := sqrt(magic);
  dlat := (dlat * 180.0) / ((a * (1 - ee)) / (magic * sqrt_magic) * pi());
  dlon := (dlon * 180.0) / (a / sqrt_magic * cos(lat / 180.0 * pi()) * pi());
  RETURN ST_SetSRID(ST_MakePoint(lon + dlon, lat + dlat), ST_SRID(p));
END $$;
"""

# Every vertex moved, the structure kept: points, lines, polygons with holes, their multi forms
# and collections (2D, as features are stored).
GEOMETRY = r"""
CREATE OR REPLACE FUNCTION layers_io_to_gcj02(g geometry) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  kind text := GeometryType(g);
BEGIN
  IF ST_IsEmpty(g) THEN
    RETURN g;
  ELSIF kind = 'POINT' THEN
    RETURN layers_io_point_to_gcj02(g);
  ELSIF kind = 'LINESTRING' THEN
    RETURN ST_SetSRID(ST_MakeLine(ARRAY(
      SELECT layers_io_point_to_gcj02(d.geom) FROM ST_DumpPoints(g) d ORDER BY d.path)), ST_SRID(g));
  ELSIF kind = 'POLYGON' THEN
    RETURN ST_SetSRID(ST_MakePolygon(
      layers_io_to_gcj02(ST_ExteriorRing(g)),
      ARRAY(SELECT layers_io_to_gcj02(ST_InteriorRingN(g, n))
            FROM generate_series(1, ST_NumInteriorRings(g)) n ORDER BY n)), ST_SRID(g));
  ELSIF kind LIKE 'MULTI%' THEN
    RETURN ST_Multi(ST_Collect(ARRAY(
      SELECT layers_io_to_gcj02(d.geom) FROM ST_Dump(g) d ORDER BY d.path)));
  ELSE  -- GEOMETRYCOLLECTION (of mixed layers)
    RETURN ST_ForceCollection(ST_Collect(ARRAY(
      SELECT layers_io_to_gcj02(ST_GeometryN(g, n)) FROM generate_series(1, ST_NumGeometries(g)) n ORDER BY n)));
  END IF;
END $$;
"""


class Migration(migrations.Migration):
    """GCJ-02 as an export coordinate system, converted in PostGIS."""

    dependencies = [("layers_io", "0003_import_job_token")]

    operations = [
        migrations.RunSQL(POINT, reverse_sql="DROP FUNCTION IF EXISTS layers_io_point_to_gcj02(geometry);"),
        migrations.RunSQL(GEOMETRY, reverse_sql="DROP FUNCTION IF EXISTS layers_io_to_gcj02(geometry);"),
    ]
