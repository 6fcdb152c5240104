"""GET /api/layers/{slug}/export?format=&crs=&bbox=&filter= — a layer's features as a file.

Who may export is decided by layers.permissions (a hidden layer answers 404 like a missing one);
every export is written to the audit log (layers.history AuditLog, action "layer.export") and to
the "geoportal.audit" logger.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from django.http import FileResponse, Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from layers.history.audit import audit_record
from layers.history.models import AuditLog
from layers.io import export
from layers.io.api.views import failure_response
from layers.io.crs import GCJ02, parse_crs
from layers.io.errors import InvalidRequest, IOFailure
from layers.io.upload import work_root
from layers.permissions import visible_layer_or_none
from layers.rasters.refusals import no_features_message
from layers.scope import feature_scope

audit = logging.getLogger("geoportal.audit")


class LayerExportView(APIView):
    def perform_content_negotiation(self, request, force=False):
        # `format` names the export format here, not a DRF renderer.
        return JSONRenderer(), JSONRenderer.media_type

    def handle_exception(self, exc):
        if isinstance(exc, IOFailure):
            return failure_response(exc)
        return super().handle_exception(exc)

    @extend_schema(operation_id="layers_export", parameters=[
        OpenApiParameter("format", str, enum=["geojson", "gpkg", "shapefile", "csv", "kml", "fgb"]),
        OpenApiParameter("crs", str, description="EPSG:xxxx (default EPSG:4326), or GCJ02 (the offset system of "
                                                  "Chinese web maps; the file is labelled WGS 84)"),
        OpenApiParameter("bbox", str, description="west,south,east,north in degrees"),
        OpenApiParameter("filter", str, description="field=value;field>=n;field~text, or CQL2 with filter-lang"),
        OpenApiParameter("filter-lang", str, enum=["cql2-text", "cql2-json"]),
        OpenApiParameter("geometry", str, enum=["wkt", "xy"], description="CSV geometry columns"),
    ], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 400: OpenApiTypes.OBJECT})
    def get(self, request, slug: str):
        layer = visible_layer_or_none(request.user, slug, scoped=True)
        if layer is None:
            raise Http404("No such layer.")
        scope = feature_scope(principal=request.user, layer=layer)  # a scoped share's fields and area
        if layer.is_raster:
            raise InvalidRequest(no_features_message(layer))
        params = request.query_params
        name = (params.get("format") or "geojson").lower()
        if name == "csv" and params.get("geometry", "").lower() == "xy":
            name = "csv-xy"
        fmt = export.FORMATS.get(name)
        if fmt is None:
            raise InvalidRequest(f"format must be one of: {', '.join(k for k in export.FORMATS if k != 'csv-xy')}.")
        srid = parse_crs(params.get("crs")) or 4326
        if fmt.only_4326 and srid not in (4326, GCJ02):
            raise InvalidRequest(f"{fmt.driver} exports are in EPSG:4326 only, or GCJ02.")
        if name == "csv-xy" and layer.geometry_type != "point":
            raise InvalidRequest("Longitude/latitude columns suit point layers; use geometry=wkt.")
        if fmt.driver == "ESRI Shapefile" and layer.geometry_type == "mixed":
            raise InvalidRequest("A Shapefile holds one geometry type; export this mixed layer as GeoPackage.")
        bbox = export.parse_bbox(params.get("bbox"))
        if params.get("filter-lang"):  # CQL2, exactly as the OGC API reads it
            cql2, conditions = export.cql2_condition(params, layer, scope), []
        else:
            cql2, conditions = None, export.parse_filter(params.get("filter"), layer, scope)
            export.validate_values(layer=layer, conditions=conditions)
        names = export.shapefile_names(layer, scope) if fmt.driver == "ESRI Shapefile" else None
        query = export.select_sql(layer=layer, srid=srid, bbox=bbox, conditions=conditions, names=names, cql2=cql2,
                                  scope=scope)
        audit.info("export layer=%s user=%s format=%s crs=%s bbox=%s filter=%s", layer.slug,
                   request.user.get_username() or "anonymous", name, srid, bbox, params.get("filter", ""))
        audit_record(actor=request.user, action=AuditLog.Action.EXPORT, layer=layer, changes={
            "format": [None, name], "crs": [None, srid], "bbox": [None, bbox], "filter": [None, params.get("filter")]})
        filename = f"{layer.slug}.{fmt.extension}"
        if fmt.streams:
            response = StreamingHttpResponse(export.stream_stdout(fmt, query, layer, srid),
                                             content_type=fmt.content_type)
        else:
            folder = tempfile.mkdtemp(prefix="export-", dir=work_root())
            try:
                path = export.write_file(fmt, query, layer, srid, Path(folder), names)
                handle = open(path, "rb")
            finally:
                shutil.rmtree(folder)  # the open handle keeps the file readable until it is closed
            response = FileResponse(handle, content_type=fmt.content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
