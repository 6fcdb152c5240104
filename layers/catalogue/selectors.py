"""Reads of catalogue records: who may read which, the faceted search, one record.

Every read goes through layers.permissions.catalogue_layers_for; a record the reader may not
read is neither listed, counted in a facet, nor found."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.gis.geos import Polygon
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest, Now, TruncDate
from django.utils import timezone

from layers.catalogue.codes import TopicCategory
from layers.catalogue.models import CatalogueRecord
from layers.models import LayerGrant
from layers.permissions import catalogue_layers_for, layers_for
from layers.search.text import normalise, query_pinyin

KEYWORD_FACET_SIZE = 20
UPDATED_WITHIN = {"7": 7, "30": 30, "365": 365}  # the "updated" facet: days


@dataclass
class RecordQuery:
    """A catalogue search, as the page and the APIs ask it (all parts optional)."""

    text: str = ""
    department: str = ""  # department code
    topic: str = ""
    keyword: str = ""
    kind: str = ""  # vector | raster
    updated: str = ""  # a key of UPDATED_WITHIN
    bbox: tuple[float, float, float, float] | None = None
    interval: tuple[datetime.datetime | None, datetime.datetime | None] | None = None
    errors: dict[str, str] = field(default_factory=dict)


def records_for(user) -> QuerySet[CatalogueRecord]:
    """The records `user` may read, with `modified` (the latest of record, layer and data changes)."""
    layers = catalogue_layers_for(user)
    return (CatalogueRecord.objects.filter(layer__in=layers.values("pk"))
            .select_related("layer", "layer__department")
            .annotate(modified=Greatest(F("updated_at"), F("layer__updated_at"),
                                        Coalesce(F("data_last_edit_at"), F("updated_at"))))
            .order_by("layer__theme", "layer__slug"))


def record_search(*, user, query: RecordQuery, facet_exclude: str = "") -> QuerySet[CatalogueRecord]:
    """The readable records that match `query`; `facet_exclude` leaves that facet's own filter out
    (a facet counts what choosing each of its values would give)."""
    qs = records_for(user)
    if query.text:
        text = normalise(query.text)
        pinyin = query_pinyin(text)
        match = CatalogueRecord.objects.filter(search_text__contains=text)
        if pinyin and len(pinyin) >= 2:
            match = match | CatalogueRecord.objects.filter(search_pinyin__contains=pinyin)
        qs = qs.filter(pk__in=match.values("pk"))
    if query.department and facet_exclude != "department":
        qs = qs.filter(layer__department__code=query.department)
    if query.topic and facet_exclude != "topic":
        qs = qs.filter(topic_category=query.topic)
    if query.keyword and facet_exclude != "keyword":
        qs = qs.filter(keywords__contains=[query.keyword])
    if query.kind and facet_exclude != "kind":
        qs = qs.filter(layer__kind=query.kind)
    if query.updated in UPDATED_WITHIN and facet_exclude != "updated":
        qs = qs.filter(modified__gte=timezone.now() - datetime.timedelta(days=UPDATED_WITHIN[query.updated]))
    if query.bbox is not None:
        qs = qs.filter(layer__extent__intersects=Polygon.from_bbox(query.bbox))
    if query.interval is not None:
        # The record's time: its temporal extent, or where it gives none (or leaves an end open)
        # the span from the data's first edit to its last change.
        start, end = query.interval
        qs = qs.annotate(time_begin=Coalesce(F("temporal_begin"), TruncDate(Coalesce(F("data_first_edit_at"),
                                                                                      F("layer__created_at")))),
                         time_end=Coalesce(F("temporal_end"), TruncDate(F("modified"))))
        if start is not None:
            qs = qs.filter(time_end__gte=start.date())
        if end is not None:
            qs = qs.filter(time_begin__lte=end.date())
    return qs


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int


def record_facets(*, user, query: RecordQuery, language: str) -> dict[str, list[FacetValue]]:
    """Counts per department, topic, keyword, type and update age (each over the search without its
    own filter). Five grouped statements over the records table, however many records."""
    english = language.startswith("en")
    departments = (record_search(user=user, query=query, facet_exclude="department")
                   .values("layer__department__code", "layer__department__name_zh", "layer__department__name_en")
                   .annotate(n=Count("pk")).order_by("layer__department__code"))
    topics = (record_search(user=user, query=query, facet_exclude="topic")
              .values("topic_category").annotate(n=Count("pk")).order_by("-n", "topic_category"))
    kinds = (record_search(user=user, query=query, facet_exclude="kind")
             .values("layer__kind").annotate(n=Count("pk")).order_by("layer__kind"))
    keyword_counts: dict[str, int] = {}
    for keywords in record_search(user=user, query=query, facet_exclude="keyword").values_list("keywords", flat=True):
        for keyword in set(keywords):
            keyword_counts[keyword] = keyword_counts.get(keyword, 0) + 1
    age_base = record_search(user=user, query=query, facet_exclude="updated")
    now = timezone.now()
    return {
        "department": [FacetValue(d["layer__department__code"],
                                  d["layer__department__name_en"] if english else d["layer__department__name_zh"],
                                  d["n"]) for d in departments],
        "topic": [FacetValue(t["topic_category"], _label(TopicCategory(t["topic_category"]).label, english), t["n"])
                  for t in topics],
        "keyword": [FacetValue(k, k, n)
                    for k, n in sorted(keyword_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:KEYWORD_FACET_SIZE]],
        "kind": [FacetValue(k["layer__kind"], _label(_KIND_LABELS[k["layer__kind"]], english), k["n"]) for k in kinds],
        "updated": [FacetValue(key, _label(_UPDATED_LABELS[key], english),
                               age_base.filter(modified__gte=now - datetime.timedelta(days=days)).count())
                    for key, days in UPDATED_WITHIN.items()],
    }


_KIND_LABELS = {"vector": "矢量 / Vector", "raster": "栅格 / Raster"}
_UPDATED_LABELS = {"7": "近 7 天 / Last 7 days", "30": "近 30 天 / Last 30 days", "365": "近一年 / Last year"}


def _label(bilingual: str, english: bool) -> str:
    zh, _, en = str(bilingual).partition(" / ")
    return (en or zh) if english else zh


def record_of(*, user, slug: str) -> CatalogueRecord | None:
    """The record of the layer `slug` if `user` may read it; None when absent and when hidden."""
    return records_for(user).filter(layer__slug=slug).first()


@dataclass(frozen=True)
class Audience:
    """Who may see a record's data: the layer's visibility and its grants."""

    visibility: str
    departments: list[str]
    user_count: int  # named users granted access (their names are not shown)
    reader_sees_data: bool
    reader_may_manage: bool


def record_audience(*, user, record: CatalogueRecord, language: str) -> Audience:
    layer = record.layer
    english = language.startswith("en")
    grants = (LayerGrant.objects.filter(layer=layer).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=Now()))
              .select_related("department", "user"))
    return Audience(
        visibility=layer.visibility,
        departments=[(g.department.name_en if english else g.department.name_zh) + f" ({g.get_level_display()})"
                     for g in grants if g.department_id],
        user_count=sum(1 for g in grants if g.user_id),
        reader_sees_data=layers_for(user, "view").filter(pk=layer.pk).exists(),
        reader_may_manage=layers_for(user, "manage").filter(pk=layer.pk).exists(),
    )
