"""Helpers shared by the tile tests: decoding what the server sends with real clients."""
from __future__ import annotations

import subprocess
from pathlib import Path

import mapbox_vector_tile


def decode_mvt(body: bytes) -> dict:
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})


def ogrinfo_summary(tmp_path: Path, body: bytes, tile: tuple[int, int, int]) -> str:
    """`ogrinfo -so` of the tile written as <z>-<x>-<y>.pbf, so that GDAL's MVT driver
    georeferences it in EPSG:3857."""
    z, x, y = tile
    path = tmp_path / f"{z}-{x}-{y}.pbf"
    path.write_bytes(body)
    result = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True, check=True)
    return result.stdout


def ogrinfo_features(tmp_path: Path, body: bytes, tile: tuple[int, int, int]) -> str:
    z, x, y = tile
    path = tmp_path / f"{z}-{x}-{y}.pbf"
    path.write_bytes(body)
    result = subprocess.run(["ogrinfo", "-ro", "-al", str(path)], capture_output=True, text=True, check=True)
    return result.stdout
