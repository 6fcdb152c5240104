"""Conformance classes this server implements (OGC API - Features Parts 1-4, CQL2, Tiles, Maps, Records)."""

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
OAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
HTML = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"
GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
CRS = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
FILTER = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"
FEATURES_FILTER = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter"
QUERYABLES = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables"
QUERYABLES_QUERY_PARAMETERS = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters"
CQL2_BASIC = "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2"
CQL2_TEXT = "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text"
CQL2_JSON = "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json"
CQL2_ADVANCED_COMPARISON = "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators"
CQL2_BASIC_SPATIAL = "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions"
CQL2_SPATIAL = "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions"
CREATE_REPLACE_DELETE = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete"
UPDATE = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update"
FEATURES_TRANSACTIONS = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features"
TILES_CORE = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core"
TILES_TILESET = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset"
TILES_TILESETS_LIST = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list"
TILES_GEODATA_TILESETS = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets"
TILES_MVT = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt"
TILES_PNG = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/png"
TILES_JPEG = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/jpeg"
TMS_TILEMATRIXSET = "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset"
TMS_JSON = "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset"
TMS_LIMITS = "http://www.opengis.net/spec/tms/2.0/conf/tilematrixsetlimits"
MAPS_CORE = "http://www.opengis.net/spec/ogcapi-maps-1/1.0/conf/core"
MAPS_SPATIAL_SUBSETTING = "http://www.opengis.net/spec/ogcapi-maps-1/1.0/conf/spatial-subsetting"
MAPS_SCALING = "http://www.opengis.net/spec/ogcapi-maps-1/1.0/conf/scaling"
MAPS_CRS = "http://www.opengis.net/spec/ogcapi-maps-1/1.0/conf/crs"
MAPS_COLLECTION_MAP = "http://www.opengis.net/spec/ogcapi-maps-1/1.0/conf/collection-map"
MAPS_DATASET_MAP = "http://www.opengis.net/spec/ogcapi-maps-1/1.0/conf/dataset-map"
MAPS_PNG = "http://www.opengis.net/spec/ogcapi-maps-1/1.0/conf/png"
MAPS_JPEG = "http://www.opengis.net/spec/ogcapi-maps-1/1.0/conf/jpeg"

TILES = [TILES_CORE, TILES_TILESET, TILES_TILESETS_LIST, TILES_GEODATA_TILESETS, TILES_MVT, TILES_PNG, TILES_JPEG,
         TMS_TILEMATRIXSET, TMS_JSON, TMS_LIMITS]
MAPS = [MAPS_CORE, MAPS_SPATIAL_SUBSETTING, MAPS_SCALING, MAPS_CRS, MAPS_COLLECTION_MAP, MAPS_DATASET_MAP,
        MAPS_PNG, MAPS_JPEG]

ALL = [
    CORE, OAS30, HTML, GEOJSON, CRS,
    FILTER, FEATURES_FILTER, QUERYABLES, QUERYABLES_QUERY_PARAMETERS,
    CQL2_BASIC, CQL2_TEXT, CQL2_JSON, CQL2_ADVANCED_COMPARISON, CQL2_BASIC_SPATIAL, CQL2_SPATIAL,
    CREATE_REPLACE_DELETE, UPDATE, FEATURES_TRANSACTIONS,
    *TILES, *MAPS,
]
# OGC API - Records Part 1 (the `catalogue` collection, layers/ogcapi/records.py).
RECORDS = [
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-collection",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-core-query-parameters",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/searchable-catalog",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/json",
]
ALL += RECORDS
