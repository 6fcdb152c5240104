"""Sample files for the import/export tests, made with GDAL's own tools from a small GeoJSON."""
from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

# Harbin schools (lon, lat) with Chinese names; row 2 has a GBK-only rare character check (哈).
POINTS = [
    (126.6345, 45.7562, "哈尔滨市第一中学", 1200, "middle"),
    (126.6521, 45.7713, "南岗区实验小学", 800, "primary"),
    (126.6012, 45.7804, "道里区松花江小学", 650, "primary"),
]


def feature_collection(points=POINTS) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
             "properties": {"name": name, "pupils": pupils, "level": level}}
            for lon, lat, name, pupils, level in points
        ],
    }


def write_geojson(folder: Path, data: dict | None = None, name: str = "schools.geojson") -> Path:
    path = folder / name
    path.write_text(json.dumps(data or feature_collection(), ensure_ascii=False), encoding="utf-8")
    return path


def ogr(*args: str) -> None:
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True)


def convert(src: Path, dest: Path, driver: str, *extra: str) -> Path:
    ogr("-f", driver, str(dest), str(src), *extra)
    return dest


def zip_files(dest: Path, files: list[Path], arcnames: list[str] | None = None) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as bundle:
        for i, f in enumerate(files):
            bundle.write(f, arcnames[i] if arcnames else f.name)
    return dest


def shapefile_zip(folder: Path, src: Path, *extra: str, drop: tuple[str, ...] = (), name: str = "schools") -> Path:
    shp_dir = folder / f"{name}_shp"
    shp_dir.mkdir()
    convert(src, shp_dir / f"{name}.shp", "ESRI Shapefile", *extra)
    parts = [p for p in sorted(shp_dir.iterdir()) if p.suffix.lower() not in drop]
    return zip_files(folder / f"{name}.zip", parts)
