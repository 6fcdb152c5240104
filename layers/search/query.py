"""The search query: permitted layers only, candidates by tier from the indexes, one ranking.

Tiers: exact (4) > prefix (3) > contains (2) > fuzzy (1). Each tier's candidates come from its
own indexed condition and are capped, so a query matching a third of the city still costs a
bounded amount; the permission and spatial filters sit inside every tier's condition, so a
feature the user may not see never takes a candidate's place (and cannot change what the
public sees). Within a tier, the score adds up to 0.99 for the layer's search_boost, the name's
similarity to the query and lying inside the current map view:

    score = tier + min(0.99, search_boost * (0.2 + 0.5 * similarity + 0.3 * in_view) / 2)

Layers seen only through a scoped share (layers/scope.py) are not read through the index's
combined columns (text, codes, bigrams hold every searchable field): their features are found by
the values of the fields the scope shows (and the name and its pinyin when the name field is
shown), exact, prefix or contains, inside the scope's area, and show only those fields.

Every value reaches SQL as a parameter; the SQL text only varies by which fixed conditions a
query needs (by its length and script), chosen here."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

from django.db import OperationalError, transaction
from psycopg.errors import QueryCanceled

from geoportal.db.routing import read_alias, read_connection
from layers.search.text import has_han, like_escape, normalise, query_pinyin

TIER_NAMES = {4: "exact", 3: "prefix", 2: "contains", 1: "fuzzy", 0: "spatial"}
TIER_CAP = {4: 50, 3: 100, 2: 100, 1: 50, 0: 500}
WORD_SIMILARITY_THRESHOLD = 0.4
# Trigram similarity over long strings reads many posting lists; longer queries are precise enough.
FUZZY_MAX_LENGTH = 16
STATEMENT_TIMEOUT_MS = 3000
SIMPLIFY_DEGREES = 0.00001  # about 1 m: invisible on screen, keeps district outlines small


class SearchTimeout(Exception):
    """The statement ran past its time limit (a query far broader than a person would type)."""


@dataclass(frozen=True)
class ScopedLayer:
    """A layer the searcher sees through a scoped share: the fields shown (None: all), whether the
    name field is among them, the area as GeoJSON (None: everywhere)."""

    layer_id: int
    fields: tuple[str, ...] | None
    name_shown: bool
    area_geojson: str | None = None

    def document(self) -> dict:
        return {"layer": self.layer_id, "shown": list(self.fields) if self.fields is not None else None,
                "name": self.name_shown, "area": json.loads(self.area_geojson) if self.area_geojson else None}


@dataclass(frozen=True)
class SpatialFilter:
    """Where results must lie (their point on surface): all given parts apply together."""

    near: tuple[float, float, float] | None = None  # lon, lat, radius in metres
    within_feature_id: int | None = None  # a district's feature id
    area_wkt: str | None = None  # a polygon in EPSG:4326

    def __bool__(self) -> bool:
        return bool(self.near or self.within_feature_id or self.area_wkt)


def _tier_conditions(q: str, qp: str, han: bool) -> dict[int, list[str]]:
    """The indexed conditions of each tier for this query (SQL fragments with named parameters)."""
    tiers: dict[int, list[str]] = {4: ["e.codes @> ARRAY[%(q)s]"], 3: ["e.name LIKE %(q_prefix)s"], 2: [], 1: []}
    if len(q) >= 3:
        tiers[2].append("e.text LIKE %(q_contains)s")
        if not han and len(q) <= FUZZY_MAX_LENGTH:
            tiers[1].append("%(q)s <%% e.text")
    elif len(q) == 2:
        tiers[2].append("e.bigrams @> ARRAY[%(q)s]")
    if qp and not han:
        tiers[4].append("e.pinyin = %(qp)s")
        tiers[3] += ["e.pinyin LIKE %(qp_prefix)s", "e.initials = %(qp)s"]
        if len(qp) >= 2:
            tiers[2].append("e.initials LIKE %(qp_prefix)s")
        if len(qp) >= 4:
            # A word inside a name (yiyuan for 医院). Pinyin trigrams are common, so this is the
            # costliest condition; it only runs when exact and prefix matches did not fill the page.
            tiers[2].append("e.pinyin LIKE %(qp_contains)s")
        if 3 <= len(qp) <= FUZZY_MAX_LENGTH:
            tiers[1].append("%(qp)s <%% e.pinyin")
    elif qp:
        # Chinese typed with a wrong character of the same sound (南刚区 for 南岗区) still finds it.
        tiers[1].append("e.pinyin LIKE %(qp_prefix)s")
        if 3 <= len(qp) <= FUZZY_MAX_LENGTH:
            tiers[1].append("%(qp)s <%% e.pinyin")
    return {tier: conds for tier, conds in tiers.items() if conds}


def _spatial_sql(spatial: SpatialFilter) -> str:
    parts = []
    if spatial.near:
        parts.append(
            "e.point && ST_MakeEnvelope(%(near_w)s, %(near_s)s, %(near_e)s, %(near_n)s, 4326)"
            " AND ST_DWithin(e.point::geography, ST_SetSRID(ST_MakePoint(%(near_lon)s, %(near_lat)s), 4326)::geography,"
            " %(near_r)s)"
        )
    if spatial.within_feature_id:
        parts.append("ST_Intersects(e.point, (SELECT geom FROM layers_feature WHERE id = %(within_id)s))")
    if spatial.area_wkt:
        parts.append("ST_Intersects(e.point, ST_MakeValid(ST_GeomFromText(%(area)s, 4326)))")
    return "".join(f" AND {p}" for p in parts)


def _near_params(near: tuple[float, float, float]) -> dict:
    lon, lat, radius = near
    dlat = radius / 110_574 * 1.01
    dlon = radius / (111_320 * max(0.01, math.cos(math.radians(lat)))) * 1.01
    return {"near_lon": lon, "near_lat": lat, "near_r": radius,
            "near_w": lon - dlon, "near_e": lon + dlon, "near_s": lat - dlat, "near_n": lat + dlat}


_SCOPED = """scoped AS MATERIALIZED (
  SELECT (x->>'layer')::bigint AS layer_id,
         CASE WHEN jsonb_typeof(x->'shown') = 'array'
              THEN ARRAY(SELECT jsonb_array_elements_text(x->'shown')) END AS shown,
         (x->>'name')::boolean AS name_shown,
         CASE WHEN jsonb_typeof(x->'area') = 'object' THEN ST_SetSRID(ST_GeomFromGeoJSON(x->'area'), 4326) END AS area
  FROM jsonb_array_elements(%(scoped)s::jsonb) x
), ts AS MATERIALIZED (
  SELECT e.feature_id, {tier} AS tier
  FROM search_searchentry e JOIN scoped s ON s.layer_id = e.layer_id JOIN layers_feature sf ON sf.id = e.feature_id
  CROSS JOIN LATERAL (SELECT ARRAY(SELECT t.v FROM jsonb_each_text(e.fields) t(k, v)
                                   WHERE s.shown IS NULL OR t.k = ANY(s.shown))
                             || CASE WHEN s.name_shown AND e.name <> '' THEN ARRAY[e.name] ELSE '{{}}'::text[] END
                             AS vals) a
  WHERE (s.area IS NULL OR ST_Intersects(sf.geom, s.area)){spatial} AND {match}
  LIMIT {cap}
)"""
# A scoped layer's match: its shown values, then the name's pinyin when the name is shown.
_SCOPED_TIER = ("CASE WHEN %(q)s = ANY(a.vals) OR (s.name_shown AND %(qp)s <> '' AND e.pinyin = %(qp)s) THEN 4"
                " WHEN EXISTS (SELECT 1 FROM unnest(a.vals) v WHERE left(v, %(qlen)s) = %(q)s)"
                " OR (s.name_shown AND %(qp)s <> '' AND (e.pinyin LIKE %(qp_prefix)s OR e.initials = %(qp)s)) THEN 3"
                " ELSE 2 END")
_SCOPED_MATCH = ("(EXISTS (SELECT 1 FROM unnest(a.vals) v WHERE strpos(v, %(q)s) > 0)"
                 " OR (s.name_shown AND %(qp)s <> '' AND (e.pinyin LIKE %(qp_contains)s"
                 " OR e.initials LIKE %(qp_prefix)s)))")

_SELECT = """
WITH {candidates},
cand AS ({union}),
best AS (SELECT feature_id, max(tier) AS tier FROM cand GROUP BY feature_id),
ranked AS (
  SELECT b.feature_id, b.tier, e.name, e.fields, e.pinyin, e.initials, e.point, l.slug, l.title_zh, l.title_en,
         {shown} AS shown, {name_shown} AS name_shown, l.name_field,
         b.tier + least(0.99, l.search_boost * (0.2
           + 0.5 * greatest(similarity(e.name, %(q)s),
                            CASE WHEN %(qp)s <> '' THEN similarity(e.pinyin, %(qp)s) ELSE 0 END)
           + 0.3 * (CASE WHEN %(has_bbox)s AND e.point && ST_MakeEnvelope(%(bw)s, %(bs)s, %(be)s, %(bn)s, 4326)
                    THEN 1 ELSE 0 END)) / 2) AS score,
         {distance} AS distance
  FROM best b JOIN search_searchentry e ON e.feature_id = b.feature_id JOIN layers_layer l ON l.id = e.layer_id
  {scoped_join}
  ORDER BY score DESC, distance, length(e.name), b.feature_id
  LIMIT %(limit)s
)
SELECT r.feature_id, r.slug, r.title_zh, r.title_en, CASE WHEN r.name_shown THEN f.name END, r.tier,
  round(r.score::numeric, 4)::float, r.distance,
  CASE WHEN r.tier = 0 THEN NULL ELSE coalesce(
    (SELECT k FROM jsonb_each_text(r.fields) t(k, v) WHERE k = ANY(r.shown) AND strpos(v, %(q)s) > 0
      ORDER BY v = %(q)s DESC, left(v, %(qlen)s) = %(q)s DESC, k = r.name_field DESC, k LIMIT 1),
    CASE WHEN strpos(r.name, %(q)s) > 0 THEN 'name' END,
    CASE WHEN %(qp)s <> '' AND strpos(r.pinyin, %(qp)s) > 0 THEN 'pinyin' END,
    CASE WHEN %(qp)s <> '' AND left(r.initials, %(qplen)s) = %(qp)s THEN 'initials' END,
    (SELECT k FROM jsonb_each_text(r.fields) t(k, v) WHERE k = ANY(r.shown) AND word_similarity(%(q)s, v) > 0
      ORDER BY word_similarity(%(q)s, v) DESC, k LIMIT 1),
    CASE WHEN %(qp)s <> '' THEN 'pinyin' ELSE 'name' END) END,
  ST_AsGeoJSON(CASE WHEN NOT %(full)s THEN r.point
    WHEN ST_NPoints(f.geom) <= 64 THEN f.geom
    WHEN ST_GeometryType(f.geom) LIKE 'ST_Multi%%' THEN ST_Multi(ST_SimplifyPreserveTopology(f.geom, %(simplify)s))
    ELSE ST_SimplifyPreserveTopology(f.geom, %(simplify)s) END, 6),
  ARRAY[ST_XMin(f.geom), ST_YMin(f.geom), ST_XMax(f.geom), ST_YMax(f.geom)],
  (SELECT coalesce(jsonb_object_agg(p.k, p.v), '{{}}'::jsonb) FROM jsonb_each(f.properties) p(k, v)
     WHERE p.k = ANY(r.shown))::text
FROM ranked r JOIN layers_feature f ON f.id = r.feature_id
ORDER BY r.score DESC, r.distance, length(r.name), r.feature_id
"""


def build_sql(
    *,
    layer_ids: list[int],
    qn: str,
    spatial: SpatialFilter,
    bbox: tuple[float, float, float, float] | None,
    limit: int,
    full_geometry: bool,
    scoped: list[ScopedLayer] = (),
) -> tuple[str, dict]:
    """The one statement (and its parameters) that answers a normalised query; `scoped` layers
    (seen through a scoped share) are read by their shown values only."""
    han = has_han(qn)
    qp = query_pinyin(qn)
    base = "e.layer_id = ANY(%(layers)s)" + _spatial_sql(spatial)
    if qn:
        # A lower tier is read only when the higher ones found fewer than `limit` features (one-time
        # filters in the plan): tiers are strict, so it could not reach the results otherwise. The
        # fuzzy tier runs only when nothing matched better.
        ctes, names = [], []
        for tier, conds in _tier_conditions(qn, qp, han).items():
            gate = ""
            if names:
                above = " UNION ALL ".join(f"SELECT feature_id FROM {n}" for n in names)
                needed = "1" if tier == 1 else "%(limit)s"
                gate = f" AND (SELECT count(DISTINCT feature_id) FROM ({above}) a) < {needed}"
            ctes.append(
                f"t{tier} AS MATERIALIZED (SELECT e.feature_id, {tier} AS tier FROM search_searchentry e"
                f" WHERE {base}{gate} AND ({' OR '.join(conds)}) LIMIT {TIER_CAP[tier]})"
            )
            names.append(f"t{tier}")
    else:
        nearest = "ORDER BY e.point <-> ST_SetSRID(ST_MakePoint(%(near_lon)s, %(near_lat)s), 4326)"
        order = nearest if spatial.near else ""
        ctes = [f"t0 AS (SELECT e.feature_id, 0 AS tier FROM search_searchentry e WHERE {base} {order}"
                f" LIMIT {TIER_CAP[0]})"]
        names = ["t0"]
    distance = (
        "ST_Distance(e.point::geography, ST_SetSRID(ST_MakePoint(%(near_lon)s, %(near_lat)s), 4326)::geography)"
        if spatial.near else "0.0"
    )
    all_fields = "ARRAY(SELECT s->>'name' FROM jsonb_array_elements(l.schema) s)"
    shown, name_shown, scoped_join = all_fields, "TRUE", ""
    if scoped:
        ctes.append(_SCOPED.format(tier=_SCOPED_TIER if qn else "0", match=_SCOPED_MATCH if qn else "TRUE",
                                   spatial=_spatial_sql(spatial), cap=TIER_CAP[2] if qn else TIER_CAP[0]))
        names.append("ts")
        shown = f"coalesce(sc.shown, {all_fields})"
        name_shown = "coalesce(sc.name_shown, TRUE)"
        scoped_join = "LEFT JOIN scoped sc ON sc.layer_id = e.layer_id"
    sql = _SELECT.format(
        candidates=", ".join(ctes), union=" UNION ALL ".join(f"SELECT * FROM {n}" for n in names), distance=distance,
        shown=shown, name_shown=name_shown, scoped_join=scoped_join,
    )
    params = {
        "layers": layer_ids, "q": qn, "qp": qp, "qlen": len(qn), "qplen": len(qp),
        "q_prefix": like_escape(qn) + "%", "q_contains": "%" + like_escape(qn) + "%",
        "qp_prefix": like_escape(qp) + "%", "qp_contains": "%" + like_escape(qp) + "%",
        "has_bbox": bbox is not None, "bw": 0, "bs": 0, "be": 0, "bn": 0,
        "limit": limit, "full": full_geometry, "simplify": SIMPLIFY_DEGREES,
        "within_id": spatial.within_feature_id, "area": spatial.area_wkt,
        "scoped": json.dumps([layer.document() for layer in scoped]),
    }
    if bbox is not None:
        params.update(zip(("bw", "bs", "be", "bn"), bbox, strict=True))
    if spatial.near:
        params.update(_near_params(spatial.near))
    return sql, params


def search_features(
    *,
    layer_ids: list[int],
    q: str,
    spatial: SpatialFilter,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int = 10,
    full_geometry: bool = True,
    language: str = "zh",
    scoped: list[ScopedLayer] = (),
) -> list[dict]:
    """Ranked GeoJSON features of the given (already permitted) layers matching `q` and `spatial`.

    An empty `q` lists what lies in the spatial filter (nearest first for `near`)."""
    qn = normalise(q)
    if not (layer_ids or scoped) or (not qn and not spatial):
        return []
    sql, params = build_sql(
        layer_ids=layer_ids, qn=qn, spatial=spatial, bbox=bbox, limit=limit, full_geometry=full_geometry,
        scoped=list(scoped),
    )
    with transaction.atomic(using=read_alias()), read_connection().cursor() as cursor:
        # Transaction-local settings, in one round trip: a time limit, and the fuzzy threshold.
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true),"
            " set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(STATEMENT_TIMEOUT_MS), str(WORD_SIMILARITY_THRESHOLD)],
        )
        try:
            cursor.execute(sql, params)
        except OperationalError as exc:
            if isinstance(exc.__cause__, QueryCanceled):
                raise SearchTimeout from exc
            raise
        rows = cursor.fetchall()
    english = language.startswith("en")
    return [
        {
            "type": "Feature",
            "id": fid,
            "bbox": bounds,
            "geometry": json.loads(geometry),
            "properties": {
                "layer": slug,
                "layer_title": (title_en or title_zh) if english else title_zh,
                "name": name,
                "match": TIER_NAMES[tier],
                "matched_field": matched,
                "score": score,
                "distance_m": round(distance, 1) if spatial.near else None,
                "attributes": json.loads(attributes),
            },
        }
        for fid, slug, title_zh, title_en, name, tier, score, distance, matched, geometry, bounds, attributes in rows
    ]
