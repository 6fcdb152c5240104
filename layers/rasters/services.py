"""Raster uploads through the import job system: check at once, convert in the job, swap atomically.

`raster_upload_check` runs when the job is created (a refused file answers 4xx at once, nothing
kept); `raster_import_run` is the job's raster path: COG (and hillshade) written in the work
folder, then in one transaction the layer is created or its RasterSource row replaced and the files
moved to RASTER_ROOT/<layer id>/<job>/. After commit the replaced files are removed and
`features_changed(bboxes=None)` drops the layer's cached tiles; on failure the new folder goes.
"""
from __future__ import annotations

import dataclasses
import hashlib
import shutil
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db import transaction

from layers.history.audit import audit_record
from layers.history.models import AuditLog
from layers.io.archive import unpack_zip
from layers.io.errors import Cancelled, InvalidRequest, UnsupportedFormat
from layers.io.prescan import scan_upload
from layers.models import Layer
from layers.rasters.cog import cog_create, hillshade_create
from layers.rasters.models import RasterSource
from layers.rasters.probe import TIFF_EXTENSIONS, RasterInfo, gdal_child, raster_inspect
from layers.rasters.styles import default_raster_style
from layers.signals import features_changed

SOURCE_FORMAT = "GTiff"
_SHARES = {"inspect": 0.05, "cog": 0.65, "hillshade": 0.9, "write": 1.0}


def is_raster_upload(path: Path) -> bool:
    """A .tif/.tiff, or a zip holding one (names read only; unpacking is checked later)."""
    suffix = path.suffix.lower()
    if suffix in TIFF_EXTENSIONS:
        return True
    if suffix != ".zip" or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as bundle:
        return any(name.lower().endswith(TIFF_EXTENSIONS) for name in bundle.namelist())


def raster_upload_check(*, path: Path, crs: int | None, mode: str, target: Layer | None) -> dict:
    """Unpack (zip), check the GeoTIFF and the request; returns the job's source_info."""
    if mode not in ("new", "replace"):
        raise InvalidRequest("A GeoTIFF makes a new raster layer (mode new) or replaces one (mode replace).")
    if target is not None and not target.is_raster:
        raise InvalidRequest(f"Layer {target.slug!r} is a vector layer; a GeoTIFF can only replace a raster layer.")
    if path.suffix.lower() == ".zip":
        unpacked = path.parent / "unpacked"
        unpacked.mkdir()
        files = unpack_zip(path, unpacked)
        scan_upload(files)  # nothing beside the GeoTIFF may be a VRT or name a /vsi… path either
        tiffs = [f for f in files if f.suffix.lower() in TIFF_EXTENSIONS]
        if len(tiffs) != 1:
            raise UnsupportedFormat(f"The zip holds {len(tiffs)} GeoTIFFs; upload one at a time.")
        path = tiffs[0]
    info = raster_inspect(path, crs=crs)
    return {"raster": {"path": str(path), **dataclasses.asdict(info)}}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _metadata(info: RasterInfo, cog: Path, compression: str) -> dict:
    described = gdal_child("describe", cog)
    gt = described["geotransform"]
    xs = (gt[0], gt[0] + gt[1] * info.width)
    ys = (gt[3], gt[3] + gt[5] * info.height)
    value_range = gdal_child("range", cog) if info.kind == "elevation" else []
    band = described["bands"][0]
    return {"kind": info.kind, "width": described["width"], "height": described["height"],
            "band_count": len(described["bands"]), "data_type": band["data_type"], "nodata": band["nodata"],
            "srs_wkt": described["srs_wkt"] or info.srs_wkt, "epsg": info.epsg, "geotransform": gt,
            "resolution": abs(gt[1]), "native_extent": [min(xs), min(ys), max(xs), max(ys)],
            "extent": Polygon.from_bbox(info.bounds_4326), "value_range": value_range,
            "overview_count": band["overviews"], "compression": compression, "size_bytes": cog.stat().st_size,
            "sha256": _sha256(cog)}


def _new_layer(job, *, title: str, extent: Polygon, style: dict, unique_slug) -> Layer:
    values = {"title_zh": title, "kind": Layer.Kind.RASTER, "geometry_type": Layer.GeometryType.POLYGON,
              "visibility": Layer.Visibility.DEPARTMENT, "description_zh": f"导入自 {job.source_name}",
              "style": style}
    layer = Layer.objects.create(slug=unique_slug(title), department_id=job.created_by.department_id, extent=extent,
                                 **values)
    audit_record(actor=job.created_by, action=AuditLog.Action.LAYER_CREATE, layer=layer,
                 changes={key: [None, value] for key, value in {**values, "import": job.source_name}.items()})
    return layer


def raster_import_run(job, *, progress, phase, cancelled, unique_slug) -> dict:
    """The job's raster path. `progress(fraction)`, `phase(name)`, `cancelled()` come from the runner."""
    stored = job.source_info["raster"]
    source = Path(stored.pop("path"))
    info = RasterInfo(**stored)
    work = Path(job.work_dir)
    phase("converting")
    progress(_SHARES["inspect"])
    cog = work / "cog.tif"
    compression = cog_create(source=source, target=cog, info=info)
    progress(_SHARES["cog"])
    hillshade = None
    if info.kind == "elevation":
        hillshade = work / "hillshade.tif"
        hillshade_create(cog=cog, target=hillshade, epsg=info.epsg)
    progress(_SHARES["hillshade"])
    metadata = _metadata(info, cog, compression)
    if cancelled():
        raise Cancelled("The import was cancelled; nothing was written.")
    phase("writing")
    root = Path(settings.RASTER_ROOT)
    folder: Path | None = None
    old_files: list[Path] = []
    try:
        with transaction.atomic():
            layer = job.target_layer
            if layer is None:
                style = default_raster_style(kind=info.kind, value_range=metadata["value_range"])
                layer = _new_layer(job, title=job.params["title"], extent=metadata["extent"], style=style,
                                   unique_slug=unique_slug)
            layer = Layer.objects.select_for_update().get(pk=layer.pk)
            folder = root / str(layer.pk) / job.pk.hex
            folder.mkdir(parents=True, exist_ok=True)
            paths = {"path": shutil.move(cog, folder / "cog.tif")}
            paths["hillshade_path"] = shutil.move(hillshade, folder / "hillshade.tif") if hillshade else ""
            relative = {k: str(Path(v).relative_to(root)) if v else "" for k, v in paths.items()}
            previous = RasterSource.objects.filter(layer=layer).first()
            if previous is not None:
                old_files = [root / p for p in (previous.path, previous.hillshade_path) if p]
                if previous.kind == "elevation" and info.kind != "elevation" and "raster" in layer.style:
                    layer.style = default_raster_style(kind=info.kind, value_range=[])
                previous.delete()
            RasterSource.objects.create(layer=layer, source_name=job.source_name[:255], **relative, **metadata)
            layer.extent = metadata["extent"]
            layer.save(update_fields=["extent", "style", "updated_at"])
            audit_record(actor=job.created_by, action=AuditLog.Action.IMPORT, layer=layer,
                         changes={"import": [None, job.source_name], "mode": [None, job.mode],
                                  "job": [None, str(job.pk)], "raster": [None, info.kind]})
            layer_id = layer.pk
            transaction.on_commit(lambda: _after_replace(layer_id, old_files))
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    progress(_SHARES["write"])
    return {"layer": layer.slug, "raster": {k: metadata[k] for k in (
        "kind", "width", "height", "band_count", "data_type", "nodata", "epsg", "resolution", "native_extent",
        "value_range", "overview_count", "compression", "size_bytes")}}


def _after_replace(layer_id: int, old_files: list[Path]) -> None:
    for old in old_files:
        old.unlink(missing_ok=True)
        if old.parent.exists() and not any(old.parent.iterdir()):
            old.parent.rmdir()
    features_changed.send(sender=RasterSource, layer_id=layer_id, bboxes=None)


def raster_path(source: RasterSource, *, hillshade: bool = False) -> Path:
    """The absolute path of a layer's COG (or its hillshade)."""
    return Path(settings.RASTER_ROOT) / (source.hillshade_path if hillshade else source.path)
