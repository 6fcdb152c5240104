"""A catalogue record written out: its service links, ISO 19139 XML, DCAT JSON-LD and the
GeoJSON record of OGC API - Records. One function per encoding, all from the same `RecordView`,
so that every encoding says the same thing."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.template.loader import render_to_string

from layers.catalogue.codes import MaintenanceFrequency, TopicCategory
from layers.catalogue.models import CatalogueRecord
from layers.io.export import FORMATS as EXPORT_FORMATS
from layers.models import Layer
from layers.schema import parse_schema

RECORD_CONFORMANCE = "http://www.opengis.net/spec/ogcapi-records-1/1.0/req/record-core"
ISO_NAMESPACE = "http://www.isotc211.org/2005/gmd"
DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "locn": "http://www.w3.org/ns/locn#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
VISIBILITY_TEXT = {
    Layer.Visibility.PUBLIC: ("公开：所有人可查看数据", "Public: everyone may see the data"),
    Layer.Visibility.STAFF: ("内部：各部门工作人员可查看数据", "Internal: staff of every department may see the data"),
    Layer.Visibility.DEPARTMENT: ("部门：仅所属部门及获授权者可查看数据",
                                  "Department: only the owning department and those it shares with"),
}


@dataclass(frozen=True)
class Link:
    href: str
    rel: str
    type: str
    title: str
    protocol: str = "WWW:LINK"

    def as_dict(self) -> dict:
        return {"href": self.href, "rel": self.rel, "type": self.type, "title": self.title}


@dataclass(frozen=True)
class FieldEntry:
    name: str
    type: str
    label_zh: str
    label_en: str
    description_zh: str
    description_en: str


def service_links(*, layer: Layer, base: str) -> list[Link]:
    """Where the data is served: OGC API, tiles, WMS, WMTS and the exports (absolute URLs under `base`)."""
    slug = layer.slug
    links = [
        Link(f"{base}/catalogue/{slug}/", "describedby", "text/html", "Catalogue record"),
        Link(f"{base}/ogc/collections/{slug}", "collection", "application/json", "OGC API collection",
             "OGC:API"),
    ]
    if not layer.is_raster:
        links.append(Link(f"{base}/ogc/collections/{slug}/items", "items", "application/geo+json",
                          "OGC API - Features items", "OGC:API-Features"))
        links.append(Link(f"{base}/tiles/{slug}/{{z}}/{{x}}/{{y}}.mvt", "tiles", "application/vnd.mapbox-vector-tile",
                          "Vector tiles (XYZ)", "OGC:API-Tiles"))
    links += [
        Link(f"{base}/tiles/{slug}/{{z}}/{{x}}/{{y}}.png", "tiles", "image/png", "Map tiles (XYZ)",
             "OGC:API-Tiles"),
        Link(f"{base}/tiles/{slug}.json", "tiles", "application/json", "TileJSON"),
        Link(f"{base}/ogc/collections/{slug}/map", "map", "image/png", "OGC API - Maps", "OGC:API-Maps"),
        Link(f"{base}/wms?SERVICE=WMS&REQUEST=GetCapabilities", "service", "application/xml", f"WMS ({slug})",
             "OGC:WMS"),
        Link(f"{base}/wmts/1.0.0/WMTSCapabilities.xml", "service", "application/xml", f"WMTS ({slug})",
             "OGC:WMTS"),
    ]
    if not layer.is_raster:
        for name, fmt in EXPORT_FORMATS.items():
            if name != "csv-xy":
                links.append(Link(f"{base}/api/layers/{slug}/export?format={name}", "enclosure", fmt.content_type,
                                  f"Download ({fmt.driver})", "WWW:DOWNLOAD"))
    return links


def data_dictionary(record: CatalogueRecord) -> list[FieldEntry]:
    """The layer's schema fields, each with the description the record gives it."""
    entries = []
    for fdef in parse_schema(record.layer.schema):
        text = record.field_descriptions.get(fdef.name) or {}
        entries.append(FieldEntry(fdef.name, fdef.type, fdef.label_zh, fdef.label_en,
                                  text.get("zh", ""), text.get("en", "")))
    return entries


def bbox_of(layer: Layer) -> list[float] | None:
    return [round(v, 7) for v in layer.extent.extent] if layer.extent else None


def _iso(moment: datetime.datetime | datetime.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return moment.isoformat()


def created_at(record: CatalogueRecord) -> datetime.datetime:
    return record.data_first_edit_at or record.layer.created_at


def iso19139(*, record: CatalogueRecord, base: str) -> str:
    """The record as an ISO 19139 MD_Metadata document (what CSW answers for outputSchema gmd)."""
    layer = record.layer
    return render_to_string("catalogue/iso19139.xml", {
        "record": record, "layer": layer, "bbox": bbox_of(layer), "base": base,
        "links": service_links(layer=layer, base=base), "fields": data_dictionary(record),
        "created": _iso(created_at(record)), "modified": _iso(record.modified_at),
        "department": layer.department,
        "access": VISIBILITY_TEXT[layer.visibility][1],
    }).strip()


def dcat(*, record: CatalogueRecord, base: str) -> dict:
    """The record as a DCAT-AP dcat:Dataset in JSON-LD."""
    layer = record.layer
    bbox = bbox_of(layer)
    doc = {
        "@context": DCAT_CONTEXT,
        "@id": f"{base}/catalogue/{layer.slug}/",
        "@type": "dcat:Dataset",
        "dct:identifier": layer.slug,
        "dct:title": [{"@value": layer.title_zh, "@language": "zh"}]
        + ([{"@value": layer.title_en, "@language": "en"}] if layer.title_en else []),
        "dct:description": [{"@value": layer.description_zh, "@language": "zh"}]
        + ([{"@value": layer.description_en, "@language": "en"}] if layer.description_en else []),
        "dcat:keyword": list(record.keywords),
        "dcat:theme": f"http://inspire.ec.europa.eu/metadata-codelist/TopicCategory/{record.topic_category}",
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": layer.department.name_zh,
                          "dct:identifier": layer.department.code},
        "dct:accrualPeriodicity": MaintenanceFrequency(record.maintenance_frequency).value,
        "dct:issued": {"@value": _iso(created_at(record)), "@type": "xsd:dateTime"},
        "dct:modified": {"@value": _iso(record.modified_at), "@type": "xsd:dateTime"},
        "dct:provenance": record.lineage,
        "dct:accessRights": VISIBILITY_TEXT[layer.visibility][1],
        "dcat:distribution": [
            {"@type": "dcat:Distribution", "dcat:accessURL": link.href, "dct:title": link.title,
             "dcat:mediaType": link.type, **({"dct:license": layer.licence} if layer.licence else {})}
            for link in service_links(layer=layer, base=base) if link.rel != "describedby"
        ],
    }
    if record.contact_name or record.contact_email:
        doc["dcat:contactPoint"] = {"@type": "vcard:Organization", "vcard:fn": record.contact_name,
                                    **({"vcard:hasEmail": f"mailto:{record.contact_email}"}
                                       if record.contact_email else {})}
    if layer.licence:
        doc["dct:license"] = layer.licence
    if bbox:
        west, south, east, north = bbox
        doc["dct:spatial"] = {"@type": "dct:Location", "dcat:bbox": {
            "@value": f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))",
            "@type": "http://www.opengis.net/ont/geosparql#wktLiteral"}}
    if record.temporal_begin or record.temporal_end:
        doc["dct:temporal"] = {"@type": "dct:PeriodOfTime", "dcat:startDate": _iso(record.temporal_begin),
                               "dcat:endDate": _iso(record.temporal_end)}
    return doc


def ogc_record(*, record: CatalogueRecord, base: str, language: str) -> dict:
    """The record as a GeoJSON record of OGC API - Records Part 1."""
    layer = record.layer
    english = language.startswith("en")
    bbox = bbox_of(layer)
    geometry = None
    if bbox:
        west, south, east, north = bbox
        geometry = {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                        [west, north], [west, south]]]}
    properties = {
        "type": "dataset",
        "title": (layer.title_en if english and layer.title_en else layer.title_zh),
        "description": (layer.description_en if english and layer.description_en else layer.description_zh),
        "keywords": list(record.keywords),
        "themes": [{"concepts": [{"id": record.topic_category,
                                  "title": TopicCategory(record.topic_category).label}],
                    "scheme": "https://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_TopicCategoryCode"}],
        "language": {"code": "zh"},
        "languages": [{"code": "zh"}, *([{"code": "en"}] if layer.title_en else [])],
        "created": _iso(created_at(record)),
        "updated": _iso(record.modified_at),
        "contacts": [{"organization": layer.department.name_zh, "name": record.contact_name or None,
                      "emails": [{"value": record.contact_email}] if record.contact_email else [],
                      "phones": [{"value": record.contact_phone}] if record.contact_phone else [],
                      "roles": ["pointOfContact"]}],
        "license": layer.licence or None,
        "rights": VISIBILITY_TEXT[layer.visibility][1 if english else 0],
        "formats": [{"name": "GeoJSON"}, {"name": "MVT"}, {"name": "PNG"}]
        if not layer.is_raster else [{"name": "PNG"}, {"name": "GeoTIFF"}],
        "geoportal:kind": layer.kind,
        "geoportal:featureCount": None if layer.is_raster else layer.feature_count,
        "geoportal:updateFrequency": record.maintenance_frequency,
        "geoportal:lineage": record.lineage,
        "geoportal:reviewNumber": record.review_number or None,
        "geoportal:department": layer.department.code,
    }
    return {
        "id": layer.slug,
        "type": "Feature",
        "conformsTo": [RECORD_CONFORMANCE],
        "geometry": geometry,
        "time": ({"interval": [_iso(record.temporal_begin) or "..", _iso(record.temporal_end) or ".."]}
                 if record.temporal_begin or record.temporal_end else None),
        "properties": {k: v for k, v in properties.items() if v not in (None, "")},
        "links": [link.as_dict() for link in service_links(layer=layer, base=base)],
    }
