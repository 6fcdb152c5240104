"""WMS 1.3.0 and 1.1.1, answered by MapServer's own OWS implementation (mapObj.OWSDispatch).

HTTP-free: `wms_handle(params=…, layers=…, online_resource=…, language=…)` returns the status,
media type and body. The map is built per request from exactly the layers the caller passes
(those the requester may see), so a hidden layer is absent from the capabilities and answers
LayerNotDefined like a missing one. Only WMS's four requests are enabled; MapServer's WFS, WCS
and OGC API are off, and parameters that would make MapServer read other documents or files
(MAP, SLD, SLD_BODY) are refused before it sees the request.

GetFeatureInfo: MapServer queries the database and writes GML (its XML is escaped by it);
application/json and text/html are made here from that GML, with the layer's schema fields
only and every value escaped.
"""
from __future__ import annotations

import html
import json
import math
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import mapscript
from django.conf import settings
from osgeo import osr

from layers.maps import mapfile
from layers.maps.render import PixelSize, pixel_size, prepare_layers
from layers.models import Layer
from layers.scope import EVERYTHING, FeatureScope

VERSIONS = ("1.3.0", "1.1.1")
REQUESTS = ("GetCapabilities", "GetMap", "GetFeatureInfo", "GetLegendGraphic")
GK_ZONES = tuple(range(4513, 4555))  # CGCS2000 3-degree Gauss-Krüger: 4513-4533 zone-prefixed, 4534-4554 CM
CRS_LIST = ("EPSG:4326", "EPSG:4490", "EPSG:3857", *(f"EPSG:{code}" for code in GK_ZONES))
INFO_FORMATS = ("text/html", "application/json", "text/xml", "application/vnd.ogc.gml", "text/plain")
REFUSED = ("MAP", "SLD", "SLD_BODY", "MAP.WEB", "MAP_RESOLUTION")
_GML = "application/vnd.ogc.gml"
_lock = threading.Lock()  # MapServer's stdout buffer is per thread, but its error list is not


@dataclass(frozen=True)
class WmsResponse:
    status: int
    content_type: str
    body: bytes
    private: bool = False
    read: tuple[Layer, ...] = ()  # the layers drawn or queried (for the audit trail's reads)


def wms_exception(message: str, code: str | None, version: str) -> WmsResponse:
    code_attr = f' code="{html.escape(code)}"' if code else ""
    text = html.escape(message)
    if version == "1.1.1":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<ServiceExceptionReport version="1.1.1">'
                f"<ServiceException{code_attr}>{text}</ServiceException></ServiceExceptionReport>\n")
        return WmsResponse(400, "application/vnd.ogc.se_xml; charset=UTF-8", body.encode())
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<ServiceExceptionReport version="1.3.0" '
            'xmlns="http://www.opengis.net/ogc">'
            f"<ServiceException{code_attr}>{text}</ServiceException></ServiceExceptionReport>\n")
    return WmsResponse(400, "text/xml; charset=UTF-8", body.encode())


def _web_block() -> str:
    """The WEB block's fixed metadata (no request or person's text)."""
    rows = {
        "ows_enable_request": "!*",
        "wms_enable_request": " ".join(REQUESTS),
        "wfs_enable_request": "!*", "wcs_enable_request": "!*", "oga_enable_request": "!*",
        "wms_srs": " ".join(CRS_LIST),
        "wms_allow_getmap_without_styles": "true",
        "wms_sld_enabled": "false",
        "wms_feature_info_mime_type": _GML,
        "wms_getfeatureinfo_formatlist": ",".join(INFO_FORMATS),
        "wms_getmap_formatlist": "image/png,image/jpeg",
        "wms_encoding": "UTF-8",
    }
    return "METADATA " + " ".join(f'"{key}" "{value}"' for key, value in rows.items()) + " END"


def _text(value: str, language: str, zh: str, en: str) -> str:
    return (en or zh) if language.startswith("en") else (zh or en)


def _extent(layer: Layer) -> tuple[float, float, float, float]:
    polygon = layer.raster.extent if layer.is_raster else layer.extent
    if polygon is None:
        return tuple(settings.CITY_EXTENT)
    return polygon.extent


def _describe(mapobj: mapscript.mapObj, built: list[mapfile.MapLayer], language: str) -> None:
    """Titles, abstracts, extents and attribute lists through the object API."""
    for item in built:
        layer = item.layer
        title = _text("", language, layer.title_zh, layer.title_en)
        abstract = _text("", language, layer.description_zh, layer.description_en)
        extent = " ".join(repr(float(v)) for v in _extent(layer))
        fields = ",".join(mapfile.schema_fields(layer)) if not layer.is_raster else "all"
        for name in item.names:
            target = mapobj.getLayerByName(name)
            grouped = name != item.names[0] or len(item.names) > 1
            target.metadata.set("wms_title", f"{title} ({name.rsplit('__', 1)[1]})" if grouped else title)
            if grouped:
                target.metadata.set("wms_group_title", title)
                target.metadata.set("wms_group_abstract", abstract)
            target.metadata.set("wms_abstract", abstract)
            target.metadata.set("wms_extent", extent)
            target.metadata.set("wms_srs", "EPSG:4326")
            target.metadata.set("wms_include_items", fields or "none")
            target.metadata.set("gml_include_items", fields or "none")
            target.metadata.set("gml_geometries", "none")
            if layer.attribution:
                target.metadata.set("wms_attribution_title", layer.attribution)
            for index in range(target.numclasses):
                target.getClass(index).name = title if not layer.is_raster or index == 0 else f"{title} {index}"


def _geographic_swap(crs: str, version: str) -> bool:
    """Whether a 1.3.0 BBOX in `crs` is given north first (EPSG's axis order)."""
    match = re.match(r"^EPSG:(\d+)$", crs.upper())
    if version != "1.3.0" or not match:
        return False
    srs = osr.SpatialReference()
    if srs.ImportFromEPSG(int(match.group(1))) != 0:
        return False
    return bool(srs.EPSGTreatsAsLatLong() or srs.EPSGTreatsAsNorthingEasting())


def _pixel(params: dict[str, str], version: str) -> PixelSize | None:
    """The drawing's pixel size in degrees from BBOX/WIDTH/HEIGHT/CRS, for the thinning; None
    when they do not parse (MapServer then says what is wrong)."""
    crs = params.get("CRS" if version == "1.3.0" else "SRS", "")
    try:
        values = [float(v) for v in params.get("BBOX", "").split(",")[:4]]
        width, height = int(params.get("WIDTH", "")), int(params.get("HEIGHT", ""))
        epsg = int(re.match(r"^EPSG:(\d+)$", crs.upper()).group(1)) if crs.upper() != "CRS:84" else 4326
    except (ValueError, AttributeError):
        return None
    if len(values) != 4 or width <= 0 or height <= 0 or not all(math.isfinite(v) for v in values):
        return None
    if _geographic_swap(crs, version):
        values = [values[1], values[0], values[3], values[2]]
    if values[0] >= values[2] or values[1] >= values[3]:
        return None
    try:
        return pixel_size(tuple(values), epsg, width, height)
    except (ValueError, mapscript.MapServerError):
        return None  # an unknown CRS: MapServer's answer names it


def _dispatch(mapobj: mapscript.mapObj, params: dict[str, str]) -> tuple[str, bytes]:
    """MapServer's answer to `params`: (media type, body)."""
    request = mapscript.OWSRequest()
    for key, value in params.items():
        request.setParameter(key, value)
    with _lock:
        mapscript.msIO_installStdoutToBuffer()
        try:
            mapobj.OWSDispatch(request)
        except mapscript.MapServerError:
            pass  # the exception report is in the buffer
        finally:
            content_type = mapscript.msIO_stripStdoutBufferContentType() or "text/xml"
            body = bytes(mapscript.msIO_getStdoutBufferBytes())
            mapscript.msIO_resetHandlers()
            mapscript.msResetErrorList()
    return content_type, body


_INTERNAL = re.compile(r"msPostGIS|msDrawMap|msConnPool|connect|query|msDrawRaster|GDAL", re.IGNORECASE)


def _clean_exception(content_type: str, body: bytes, version: str) -> WmsResponse | None:
    """MapServer's exception report as ours (400), its codes kept; a message about the
    database or files (which could name them) becomes a plain one. None if not an exception."""
    if b"ServiceException" not in body[:600] or not content_type.startswith(("text/xml", "application/vnd.ogc.se")):
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return wms_exception("The request could not be answered.", None, version)
    found = next((e for e in root.iter() if e.tag.endswith("ServiceException")), None)
    message = (found.text or "").strip() if found is not None else ""
    code = found.get("code") if found is not None else None
    if version == "1.3.0" and code == "InvalidSRS":
        code = "InvalidCRS"  # 1.3.0's name for it (MapServer answers some cases with 1.1.1's)
    message = re.sub(r"^ms\w+\(\): (?:WMS server error\. |Web application error\. )?", "", message)
    if _INTERNAL.search(message) and not code:
        message = "The map could not be drawn."
    return wms_exception(message or "The request could not be answered.", code, version)


def _fields_of(built: list[mapfile.MapLayer], scopes: Mapping[int, FeatureScope]) -> dict[str, list[str]]:
    def shown(layer: Layer) -> list[str]:
        scope = scopes.get(layer.pk, EVERYTHING)
        return [field for field in mapfile.schema_fields(layer) if scope.shows_field(field)]

    return {name: (shown(item.layer) if not item.layer.is_raster else ["value_0", "value_list"])
            for item in built for name in item.names}


def _features_from_gml(body: bytes, built: list[mapfile.MapLayer], scopes: Mapping[int, FeatureScope]) -> list[dict]:
    """[{layer, id, properties}] from MapServer's msGMLOutput, schema fields (a scope's) only."""
    fields = _fields_of(built, scopes)
    slugs = {name: item.layer.slug for item in built for name in item.names}
    features = []
    root = ET.fromstring(body)
    for layer_element in root:
        name = layer_element.tag.removesuffix("_layer")
        if name not in fields:
            continue
        for feature in layer_element:
            if not feature.tag.endswith("_feature"):
                continue
            values = {child.tag: (child.text or "") for child in feature if not child.tag.startswith("{")}
            features.append({"layer": slugs[name], "id": values.get("id"),
                             "properties": {key: values[key] for key in fields[name] if key in values}})
    return features


def _feature_info(mapobj, built, params: dict[str, str], info_format: str, version: str,
                  scopes: Mapping[int, FeatureScope]) -> WmsResponse:
    content_type, body = _dispatch(mapobj, {**params, "INFO_FORMAT": _GML})
    error = _clean_exception(content_type, body, version)
    if error is not None:
        return error
    if info_format == _GML:
        return WmsResponse(200, f"{_GML}; charset=UTF-8", body)
    if info_format == "text/xml":
        return WmsResponse(200, "text/xml; charset=UTF-8", body)
    features = _features_from_gml(body, built, scopes)
    if info_format == "application/json":
        document = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": f["id"], "layer": f["layer"], "geometry": None, "properties": f["properties"]}
            for f in features]}
        text = json.dumps(document, ensure_ascii=False)
        # Escaped for the case a browser is made to read it as HTML; JSON readers see the same text.
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return WmsResponse(200, "application/json", text.encode())
    rows = []
    for f in features:
        cells = "".join(f"<tr><th>{html.escape(key)}</th><td>{html.escape(value)}</td></tr>"
                        for key, value in f["properties"].items())
        rows.append(f'<section data-layer="{html.escape(f["layer"])}"><h2>{html.escape(f["layer"])}</h2>'
                    f"<table>{cells}</table></section>")
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>GetFeatureInfo</title></head><body>'
            + ("".join(rows) or "<p>No features.</p>") + "</body></html>")
    return WmsResponse(200, "text/html; charset=utf-8", page.encode())


def _check(params: dict[str, str]) -> tuple[str, str, WmsResponse | None]:
    """The version and request asked for, or the exception that answers them."""
    version = params.get("VERSION") or params.get("WMTVER") or "1.3.0"
    version = version if version in VERSIONS else "1.3.0"
    request = params.get("REQUEST", "")
    for key in REFUSED:
        if key in params:
            return version, request, wms_exception(
                f"The {key} parameter is not supported here: styles are the layers' own.", "InvalidParameterValue",
                version)
    if params.get("SERVICE", "WMS").upper() != "WMS":
        return version, request, wms_exception("Only SERVICE=WMS is offered at this address.", "InvalidParameterValue",
                                            version)
    named = {r.lower(): r for r in REQUESTS} | {"capabilities": "GetCapabilities", "map": "GetMap",
                                                "feature_info": "GetFeatureInfo"}
    if request.lower() not in named:
        return version, request, wms_exception(
            f"REQUEST must be one of {', '.join(REQUESTS)}.", "OperationNotSupported", version)
    request = named[request.lower()]
    limit = settings.WMS_MAX_SIZE
    if request in ("GetMap", "GetFeatureInfo"):
        for key in ("WIDTH", "HEIGHT"):
            value = params.get(key, "")
            if value and (not value.isascii() or not value.isdigit() or not 1 <= int(value) <= limit):
                return version, request, wms_exception(f"{key} must be a whole number from 1 to {limit}.",
                                                    "InvalidParameterValue", version)
    return version, request, None


def _named_slugs(params: dict[str, str]) -> set[str]:
    """The Geoportal layers a GetMap, GetFeatureInfo or GetLegendGraphic names (a part of a
    mixed or shaded layer, `slug__part`, names its layer)."""
    names = ",".join(params.get(key, "") for key in ("LAYERS", "QUERY_LAYERS", "LAYER"))
    return {name.strip().split("__", 1)[0] for name in names.split(",") if name.strip()}


def wms_handle(*, params: dict[str, str], layers: list[Layer], online_resource: str, language: str,
               scopes: Mapping[int, FeatureScope] | None = None) -> WmsResponse:
    """Answer one WMS request (`params` with upper-case keys) over `layers`; `scopes` (by layer
    id) narrow the layers seen through a scoped share (layers/scope.py): its area, its fields."""
    scopes = scopes or {}
    version, request, refusal = _check(params)
    if refusal is not None:
        return refusal
    params = {**params, "SERVICE": "WMS", "REQUEST": request}
    if request != "GetCapabilities":
        params.setdefault("VERSION", version)
    named = _named_slugs(params) if request != "GetCapabilities" else set()
    if named:  # only the layers named are drawn, queried or described
        layers = [layer for layer in layers if layer.slug in named]
        if not layers:  # MapServer, given no layer at all, would blame its settings
            return wms_exception("Invalid layer(s) given in the LAYERS parameter.", "LayerNotDefined", version)
    mapobj, built = mapfile.build_map(layers, _web_block())
    mapobj.maxsize = int(settings.WMS_MAX_SIZE)
    mapobj.web.metadata.set("wms_onlineresource", online_resource)
    mapobj.web.metadata.set("wms_title", "地理信息门户" if not language.startswith("en") else "Geoportal")
    mapobj.web.metadata.set("wms_abstract", "城市地理信息平台的图层（WMS）" if not language.startswith("en")
                            else "The city GIS platform's layers as WMS")
    _describe(mapobj, built, language)
    pixel = _pixel(params, version) or PixelSize(1e-5, 1e-5)
    width = int(params["WIDTH"]) if params.get("WIDTH", "").isdigit() else 256
    height = int(params["HEIGHT"]) if params.get("HEIGHT", "").isdigit() else 256
    prepare_layers(mapobj, built, pixel=pixel, width=max(width, 1), height=max(height, 1), dpi=96,
                   fields=request == "GetFeatureInfo", scopes=scopes)
    private = any(item.layer.visibility != Layer.Visibility.PUBLIC for item in built)
    if request == "GetFeatureInfo":
        info_format = params.get("INFO_FORMAT", "text/html").split(";")[0].strip()
        if info_format not in INFO_FORMATS:
            return wms_exception(f"INFO_FORMAT must be one of {', '.join(INFO_FORMATS)}.", "InvalidFormat", version)
        answer = _feature_info(mapobj, built, params, info_format, version, scopes)
    else:
        content_type, body = _dispatch(mapobj, params)
        answer = _clean_exception(content_type, body, version) or WmsResponse(200, content_type, body)
    return WmsResponse(answer.status, answer.content_type, answer.body, private,
                       tuple(item.layer for item in built) if request != "GetCapabilities" else ())


def online_resource(base: str, token: str | None) -> str:
    """The service address written into the capabilities (with the token a client passed as a
    parameter, so that the requests it builds from them carry it too)."""
    return base + "?" + (urlencode({"token": token}) + "&" if token else "")
