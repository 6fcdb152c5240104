"""The records as pycsw's repository reads them: one row per catalogue record, with the column
names of pycsw's core model (pycsw.core.config.StaticContext.md_core_model), so that pycsw queries
our tables directly (layers/catalogue/csw.py). Columns we have no value for are NULL; the extent is
also given as a PostGIS geometry (wkb_geometry), which pycsw then uses for its spatial filters."""
from django.db import migrations

ISO_TIME = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"
MODIFIED = "GREATEST(r.updated_at, l.updated_at, COALESCE(r.data_last_edit_at, r.updated_at))"
CREATED = "COALESCE(r.data_first_edit_at, l.created_at)"
NULL_COLUMNS = (
    "metadata", "metadata_type", "edition", "keywordstype", "themes", "source", "vert_extent_min", "vert_extent_max",
    "date_publication", "securityconstraints", "parentidentifier", "geodescode", "denominator",
    "distancevalue", "distanceuom", "servicetype", "servicetypeversion", "operation", "couplingtype", "operateson",
    "operatesonidentifier", "operatesoname", "degree", "classification", "responsiblepartyrole",
    "specificationtitle", "specificationdate", "specificationdatetype", "creator", "contributor", "relation",
    "platform", "instrument", "sensortype", "cloudcover", "bands", "links", "contacts",
)

CREATE_VIEW = f"""
CREATE VIEW catalogue_csw_record AS
SELECT
  l.id AS layer_id,
  l.slug::text AS identifier,
  CASE WHEN r.iso_xml = '' THEN 'csw:Record' ELSE 'gmd:MD_Metadata' END AS typename,
  'http://www.isotc211.org/2005/gmd'::text AS schema,
  'local'::text AS mdsource,
  to_char(r.updated_at AT TIME ZONE 'UTC', {ISO_TIME}) AS insert_date,
  NULLIF(r.iso_xml, '') AS xml,
  (r.search_text || ' ' || r.search_pinyin) AS anytext,
  'zh'::text AS language,
  l.title_zh::text AS title,
  NULLIF(l.title_en, '')::text AS title_alternate,
  l.description_zh AS abstract,
  array_to_string(r.keywords, ',') AS keywords,
  CASE WHEN l.kind = 'raster' THEN 'image/png' ELSE 'application/geo+json' END AS format,
  to_char({MODIFIED} AT TIME ZONE 'UTC', {ISO_TIME}) AS date,
  to_char({MODIFIED} AT TIME ZONE 'UTC', {ISO_TIME}) AS date_modified,
  to_char({MODIFIED} AT TIME ZONE 'UTC', {ISO_TIME}) AS date_revision,
  to_char({CREATED} AT TIME ZONE 'UTC', {ISO_TIME}) AS date_creation,
  'dataset'::text AS type,
  ST_AsText(l.extent) AS wkt_geometry,
  l.extent AS wkb_geometry,
  'EPSG:4326'::text AS crs,
  d.name_zh::text AS organization,
  d.name_zh::text AS publisher,
  r.topic_category::text AS topicategory,
  'zh'::text AS resourcelanguage,
  to_char(r.temporal_begin, 'YYYY-MM-DD') AS time_begin,
  to_char(r.temporal_end, 'YYYY-MM-DD') AS time_end,
  CASE WHEN l.visibility = 'public' THEN 'license' ELSE 'restricted' END AS accessconstraints,
  NULLIF(r.review_number, '')::text AS otherconstraints,
  NULLIF(l.licence, '')::text AS conditionapplyingtoaccessanduse,
  r.lineage AS lineage,
  {", ".join(f"NULL::text AS {name}" for name in NULL_COLUMNS)}
FROM catalogue_cataloguerecord r
JOIN layers_layer l ON l.id = r.layer_id
JOIN accounts_department d ON d.id = l.department_id
"""


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_catalogue_record")]

    operations = [migrations.RunSQL(CREATE_VIEW, "DROP VIEW catalogue_csw_record")]
