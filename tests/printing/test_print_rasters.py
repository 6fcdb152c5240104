"""A print of an elevation layer over a vector layer: the COG drawn in the frame with its ramp,
and the legend headed by the layer's title with one row per ramp stop."""
import io
import subprocess

from PIL import Image

from tests.maps.conftest import ELEVATION_RAMP, elevation_layer, raster_bbox, raster_root  # noqa: F401 (fixtures)


def test_elevation_print_has_its_ramp_in_the_legend(client, elevation_layer, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    created = client.post("/api/prints/", {"layers": ["dem"], "bbox": list(raster_bbox()), "format": "pdf"},
                          content_type="application/json")
    assert created.status_code == 202, created.content
    job = client.get(created["Location"]).json()
    assert job["state"] == "succeeded", job
    pdf = tmp_path / "dem.pdf"
    pdf.write_bytes(b"".join(client.get(job["download"]).streaming_content))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    title = elevation_layer.title_zh
    for value, _ in ELEVATION_RAMP:
        assert f"{title} {value} m" in text
    # The ramp runs from black (100 m, west) to white (300 m): the frame's west is darker than its east.
    page = subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(pdf)], capture_output=True,
                          check=True).stdout
    image = Image.open(io.BytesIO(page)).convert("L")
    west, south, east, north = job["printed"]["extent_4326"]
    x_mm, y_mm, w_mm, h_mm = job["printed"]["frame_mm"]
    minx, _, maxx, _ = raster_bbox()

    def grey_at(lon: float) -> int:  # on the frame's middle row; x is linear in longitude in Web Mercator
        x = (x_mm + (lon - west) / (east - west) * w_mm) * 50 / 25.4
        return image.getpixel((round(x), round((y_mm + h_mm / 2) * 50 / 25.4)))

    assert grey_at(minx + 0.1 * (maxx - minx)) < 80 < 180 < grey_at(minx + 0.8 * (maxx - minx))
    assert grey_at(minx + 0.95 * (maxx - minx)) == 255  # nodata: transparent, the paper shows
