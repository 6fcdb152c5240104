"""Describe a vector file as JSON (the shape of `ogrinfo -json`, which GDAL 3.6 lacks).

Run as a separate process by layers/io/gdalenv.py, with the system Python's GDAL bindings
(python3-gdal) and the safe environment; opens the file with exactly one allowed driver.
Usage: python3 gdal_describe.py PATH DRIVER [KEY=VALUE ...]   (open options)
"""
import json
import sys

from osgeo import gdal, ogr

gdal.UseExceptions()


def main(path: str, driver: str, options: list[str]) -> dict:
    ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY, allowed_drivers=[driver], open_options=options)
    if ds is None:
        raise RuntimeError(f"not readable as {driver}")
    layers = []
    for index in range(ds.GetLayerCount()):
        layer = ds.GetLayer(index)
        defn = layer.GetLayerDefn()
        fields = []
        for i in range(defn.GetFieldCount()):
            fd = defn.GetFieldDefn(i)
            subtype = fd.GetSubType()
            fields.append({"name": fd.GetName(), "type": ogr.GetFieldTypeName(fd.GetType()),
                           "subType": ogr.GetFieldSubTypeName(subtype) if subtype else ""})
        geometry_fields = []
        for i in range(defn.GetGeomFieldCount()):
            gfd = defn.GetGeomFieldDefn(i)
            srs = gfd.GetSpatialRef()
            geometry_fields.append({"name": gfd.GetName(), "type": ogr.GeometryTypeToName(gfd.GetType()),
                                    "coordinateSystem": {"wkt": srs.ExportToWkt() if srs else None}})
        layers.append({"name": layer.GetName(), "featureCount": layer.GetFeatureCount(),
                       "geometryFields": geometry_fields, "fields": fields})
    return {"driverShortName": ds.GetDriver().ShortName, "layers": layers}


if __name__ == "__main__":
    try:
        print(json.dumps(main(sys.argv[1], sys.argv[2], sys.argv[3:])))
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(1)
