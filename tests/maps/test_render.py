"""map_render, legend_icon and legend_entries: images decoded and their pixels read."""
from __future__ import annotations

import math

import pytest
from django.contrib.gis.geos import LineString, Point, Polygon
from osgeo import osr

from layers.maps.errors import MapRequestError
from layers.maps.render import legend_entries, legend_icon, map_render
from layers.models import Layer
from layers.services import feature_create
from tests.conftest import make_layer
from tests.maps.conftest import ELEVATION_RAMP, ORIGIN, PIXEL, SIZE, pixels, raster_bbox

# 300 × 300 pixels of 0.0002°: the square (126.62–126.64, 45.74–45.76) is pixels 100–200.
VIEW = (126.60, 45.72, 126.66, 45.78)


def _draw(layers, **options) -> bytes:
    args = {"bbox": VIEW, "crs": "EPSG:4326", "width": 300, "height": 300} | options
    return map_render(layers=layers, **args)


def _near(pixel, expected, tolerance=6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def test_polygon_drawn_with_its_fill_and_stroke_outside_transparent(square_layer):
    image = pixels(_draw([square_layer]))
    assert image.size == (300, 300)
    assert _near(image.getpixel((130, 130)), (0, 0, 255, 255))
    # The western edge lies between pixels 99 and 100: the 2-pixel stroke fills both, no more.
    assert image.getpixel((99, 150)) == (255, 0, 0, 255) and image.getpixel((100, 150)) == (255, 0, 0, 255)
    assert image.getpixel((98, 150))[3] == 0 and image.getpixel((101, 150)) == (0, 0, 255, 255)
    # The eastern and northern edges likewise (between 199/200 and, counted from the top, 99/100).
    assert image.getpixel((199, 150)) == (255, 0, 0, 255) and image.getpixel((200, 150)) == (255, 0, 0, 255)
    assert image.getpixel((201, 150))[3] == 0 and image.getpixel((150, 98))[3] == 0
    assert image.getpixel((150, 99)) == (255, 0, 0, 255) and image.getpixel((150, 101)) == (0, 0, 255, 255)
    assert image.getpixel((20, 20))[3] == 0


def test_fill_opacity_blends_with_what_lies_below(square_layer):
    square_layer.style = {**square_layer.style, "fill_opacity": 0.5}
    square_layer.save()
    image = pixels(_draw([square_layer], transparent=False))
    assert _near(image.getpixel((130, 130)), (127, 127, 255, 255), tolerance=8)


def test_point_symbol_drawn_at_its_radius(point_layer):
    image = pixels(_draw([point_layer]))
    assert _near(image.getpixel((150, 150)), (0, 255, 0, 255), tolerance=30)
    assert image.getpixel((150, 150 - 5))[3] > 0  # inside the star's upper point (1.3 × 8 px)
    assert image.getpixel((150 + 14, 150 + 14))[3] == 0  # beyond it


def test_cjk_label_is_drawn(square_layer):
    plain = pixels(_draw([square_layer]))
    square_layer.style = {**square_layer.style, "label_field": "name"}
    square_layer.save()
    labelled = pixels(_draw([square_layer]))
    changed = sum(1 for x in range(110, 190) for y in range(140, 160)
                  if plain.getpixel((x, y)) != labelled.getpixel((x, y)))
    assert changed > 150  # three glyphs with a white halo across the middle of the square
    dark = sum(1 for x in range(110, 190) for y in range(140, 160) if sum(labelled.getpixel((x, y))[:3]) < 200)
    assert dark > 20  # the glyphs' dark strokes


def test_label_field_outside_the_schema_draws_no_label(square_layer):
    plain = _draw([square_layer])
    square_layer.style = {**square_layer.style, "label_field": "geom) FROM x; --"}
    square_layer.save()
    assert pixels(_draw([square_layer])).tobytes() == pixels(plain).tobytes()


@pytest.mark.parametrize("fmt, magic", [("jpeg", b"\xff\xd8\xff"), ("webp", b"RIFF"), ("pdf", b"%PDF"),
                                        ("svg", b"<?xml")])
def test_formats(square_layer, fmt, magic):
    body = _draw([square_layer], fmt=fmt)
    assert body.startswith(magic)
    if fmt in ("jpeg", "webp"):
        assert _near(pixels(body).getpixel((130, 130))[:3], (0, 0, 255), tolerance=20)


def test_web_mercator_and_cgcs2000_gauss_kruger(square_layer):
    for epsg in (3857, 4551, 4530):
        srs, wgs = osr.SpatialReference(), osr.SpatialReference()
        srs.ImportFromEPSG(epsg)
        wgs.ImportFromEPSG(4326)
        for ref in (srs, wgs):
            ref.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        to = osr.CoordinateTransformation(wgs, srs)
        x0, y0, _ = to.TransformPoint(126.62, 45.74)
        x1, y1, _ = to.TransformPoint(126.64, 45.76)
        cx, cy, w = (x0 + x1) / 2, (y0 + y1) / 2, abs(x1 - x0) * 2
        image = pixels(map_render(layers=[square_layer], bbox=(cx - w / 2, cy - w / 2, cx + w / 2, cy + w / 2),
                                  crs=f"EPSG:{epsg}", width=100, height=100))
        assert _near(image.getpixel((50, 50)), (0, 0, 255, 255)), epsg
        assert image.getpixel((2, 2))[3] == 0, epsg


def test_dpi_scales_lines(square_layer):
    thin = pixels(_draw([square_layer], dpi=96))
    thick = pixels(_draw([square_layer], dpi=300))

    def red(image):
        return sum(1 for x in range(90, 110) if image.getpixel((x, 150))[0] > 150 and image.getpixel((x, 150))[2] < 150)

    assert red(thick) > red(thin) + 2


def test_imagery_pixels_are_the_cogs_and_nodata_is_transparent(imagery_layer):
    image = pixels(map_render(layers=[imagery_layer], bbox=raster_bbox(), crs="EPSG:4326", width=SIZE, height=SIZE))
    for col, row in [(10, 20), (50, 50), (90, 95)]:
        assert _near(image.getpixel((col, row)), (2 * col, 2 * row, 100, 255), tolerance=3), (col, row)
    assert image.getpixel((50, 5))[3] == 0


def test_raster_layer_opacity(imagery_layer):
    imagery_layer.style = {"opacity": 0.5}
    imagery_layer.save()
    image = pixels(map_render(layers=[imagery_layer], bbox=raster_bbox(), crs="EPSG:4326", width=SIZE, height=SIZE,
                              transparent=False))
    red, green, blue, _ = image.getpixel((50, 50))
    assert _near((red, green, blue), ((255 + 100) // 2, (255 + 100) // 2, (255 + 100) // 2), tolerance=6)


def test_elevation_ramp_is_linear_between_stops_and_nodata_transparent(elevation_layer):
    image = pixels(map_render(layers=[elevation_layer], bbox=raster_bbox(), crs="EPSG:4326", width=SIZE,
                              height=SIZE))
    for col in (0, 25, 50, 75):
        grey = round((2 * col) / 200 * 255)  # 100 m black … 300 m white
        assert _near(image.getpixel((col, 50)), (grey, grey, grey, 255), tolerance=6), col
    assert image.getpixel((95, 50))[3] == 0


def test_elevation_values_outside_the_ramp_are_clamped(elevation_layer):
    elevation_layer.style = {"raster": {"ramp": [[150, "#ff0000"], [200, "#0000ff"]]}}
    elevation_layer.save()
    image = pixels(map_render(layers=[elevation_layer], bbox=raster_bbox(), crs="EPSG:4326", width=SIZE,
                              height=SIZE))
    assert _near(image.getpixel((5, 50)), (255, 0, 0, 255))  # 110 m, below the first stop
    assert _near(image.getpixel((80, 50)), (0, 0, 255, 255))  # 260 m, above the last


def test_hillshade_darkens_the_ramp(elevation_layer):
    flat = pixels(map_render(layers=[elevation_layer], bbox=raster_bbox(), crs="EPSG:4326", width=SIZE, height=SIZE))
    elevation_layer.style = {"raster": {"ramp": ELEVATION_RAMP, "hillshade": True, "hillshade_opacity": 1}}
    elevation_layer.save()
    shaded = pixels(map_render(layers=[elevation_layer], bbox=raster_bbox(), crs="EPSG:4326", width=SIZE,
                               height=SIZE))
    assert sum(shaded.getpixel((50, 50))[:3]) < sum(flat.getpixel((50, 50))[:3]) - 30


def test_vector_over_raster(imagery_layer, square_layer):
    image = pixels(map_render(layers=[imagery_layer, square_layer], bbox=(126.60, 45.74, 126.64, 45.76),
                              crs="EPSG:4326", width=400, height=200))
    assert _near(image.getpixel((50, 50)), (100, 100, 100, 255), tolerance=3)  # the image's pixel (50, 50)
    assert _near(image.getpixel((300, 100)), (0, 0, 255, 255))
    assert image.getpixel((150, 150))[3] == 0


@pytest.mark.parametrize("options, code", [
    ({"crs": "EPSG:999999"}, "InvalidCRS"),
    ({"crs": "WGS84"}, "InvalidCRS"),
    ({"width": 0}, "InvalidParameterValue"),
    ({"height": 20000}, "InvalidParameterValue"),
    ({"bbox": (1, 1, 0, 2)}, "InvalidParameterValue"),
    ({"bbox": (0, 0, float("nan"), 1)}, "InvalidParameterValue"),
    ({"fmt": "gif"}, "InvalidFormat"),
])
def test_bad_requests_raise_map_request_error(square_layer, options, code):
    with pytest.raises(MapRequestError) as raised:
        _draw([square_layer], **options)
    assert raised.value.code == code
    assert raised.value.message


def test_legend_icon_in_the_layer_colours(square_layer):
    icon = pixels(legend_icon(layer=square_layer, width=20, height=20))
    assert icon.size == (20, 20)
    assert _near(icon.getpixel((10, 10)), (0, 0, 255, 255), tolerance=10)


def test_legend_entries(square_layer, elevation_layer):
    (entry,) = legend_entries(layer=square_layer, language="en")
    assert entry["label"] == "squares layer"
    assert entry["png"].startswith(b"\x89PNG")
    assert legend_entries(layer=square_layer, language="zh")[0]["label"] == "squares 图层"
    rows = legend_entries(layer=elevation_layer, language="zh")
    assert [row["label"] for row in rows] == ["dem 图层 100 m", "dem 图层 300 m"]
    assert _near(pixels(rows[1]["png"]).getpixel((8, 6)), (255, 255, 255, 255))


def test_mixed_layer_draws_each_dimension(transactional_db, departments):
    layer = make_layer("mixed", departments["planning"], geometry_type=Layer.GeometryType.MIXED, schema=[],
                       style={"stroke": "#ff0000", "fill": "#0000ff", "opacity": 1, "fill_opacity": 1, "weight": 3,
                              "radius": 5})
    feature_create(layer=layer, geometry=Polygon.from_bbox((126.61, 45.73, 126.62, 45.74)), properties={})
    feature_create(layer=layer, geometry=LineString((126.63, 45.77), (126.65, 45.77)), properties={})
    feature_create(layer=layer, geometry=Point(126.65, 45.73), properties={})
    image = pixels(_draw([layer]))
    assert _near(image.getpixel((75, 225)), (0, 0, 255, 255))
    assert image.getpixel((200, 50))[3] > 200
    assert image.getpixel((250, 250))[3] > 200


def test_point_labels_show_from_zoom_15_as_on_the_web_map(point_layer):
    close = (126.627, 45.747, 126.633, 45.753)  # 0.00002° pixels: zoom 16.1
    plain_13, plain_16 = pixels(_draw([point_layer])), pixels(_draw([point_layer], bbox=close))
    point_layer.style = {**point_layer.style, "label_field": "name"}
    point_layer.save()
    zoom_13 = pixels(_draw([point_layer]))  # 0.0002° pixels: zoom 12.8
    zoom_16 = pixels(_draw([point_layer], bbox=close))
    assert zoom_13.tobytes() == plain_13.tobytes()
    changed = sum(1 for x in range(300) for y in range(300) if zoom_16.getpixel((x, y)) != plain_16.getpixel((x, y)))
    assert changed > 100


def test_a_point_symbol_is_centred_on_its_place(point_layer):
    """The star at 126.63 E lies on the boundary between columns 149 and 150: its coverage across
    the row through it is symmetric about that boundary (the star itself is not, up and down)."""
    image = pixels(_draw([point_layer]))
    row = [image.getpixel((x, 150))[3] for x in range(130, 170)]
    assert max(row) == 255 and row[0] == 0
    assert all(abs(a - b) <= 2 for a, b in zip(row, row[::-1], strict=True))


def test_non_square_pixels_stretch_the_map_to_the_bbox(square_layer, imagery_layer):
    """A WMS client may ask for a box whose aspect differs from the image's: the box fills the
    image, stretched (WMS 1.3.0, 7.3.5.8), and nothing outside it is drawn as empty bands."""
    # The square (126.62–126.64 × 45.74–45.76) in a box 0.08° wide and 0.04° high, drawn 100 × 100:
    # x pixel 0.0008°, y pixel 0.0004°, so it spans columns 25–50 and rows 25–75.
    image = pixels(map_render(layers=[square_layer], bbox=(126.60, 45.73, 126.68, 45.77), crs="EPSG:4326",
                              width=100, height=100))
    assert image.getpixel((37, 50))[:3] == (0, 0, 255) and image.getpixel((37, 50))[3] == 255
    assert image.getpixel((37, 30))[:3] == (0, 0, 255) and image.getpixel((37, 70))[:3] == (0, 0, 255)
    assert image.getpixel((60, 50))[3] == 0 and image.getpixel((37, 15))[3] == 0 and image.getpixel((37, 85))[3] == 0
    # The imagery (126.60–126.61 × 45.75–45.76, nodata in its first ten rows) stretched 2:1
    # over 100 × 50: every pixel below the nodata rows opaque, up to the edges.
    minx, maxy = ORIGIN
    raster = pixels(map_render(layers=[imagery_layer], bbox=(minx, maxy - SIZE * PIXEL, minx + SIZE * PIXEL, maxy),
                               crs="EPSG:4326", width=100, height=50))
    alphas = [raster.getpixel((x, y))[3] for y in range(6, 50) for x in range(100)]
    assert set(alphas) == {255}


def _drawn_ids(layer, bbox, pixel, budget) -> tuple[list[int], str]:
    """The ids a drawing's DATA statement selects over `bbox` (lon/lat), and its plan."""
    from django.db import connection

    from layers.maps import mapfile

    data = mapfile.vector_data(layer, None, pixel, pixel, budget)
    box = "ST_MakeEnvelope({}, {}, {}, {}, 4326)".format(*bbox)
    sql = "SELECT id " + data.split(" USING UNIQUE")[0].replace("!BOX!", box)[len("geom "):]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        ids = sorted(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return ids, plan


def test_dense_views_read_a_sample_index(transactional_db, departments):
    """A view holding more than two budgets of features reads the one-in-8 sample, more than
    eight times that the one-in-32 sample (each has its index), with a step of at least the
    sample's; a sparser view counts every candidate as the tiles do."""
    from layers.maps.mapfile import COARSE, FINE
    from layers.services import FeatureInput, features_bulk_create

    layer = make_layer("dots", departments["planning"], schema=[{"name": "name", "type": "string"}])
    rows = [FeatureInput(Point(126.60 + (i % 60) * 0.0005, 45.74 + (i // 60) * 0.0005, srid=4326), {"name": str(i)})
            for i in range(3000)]
    features_bulk_create(layer=layer, rows=rows)
    bbox = (126.59, 45.73, 126.65, 45.79)
    every = sorted(layer.features.values_list("id", flat=True))
    estimate = COARSE * sum(1 for i in every if i % COARSE == 0)
    ids, plan = _drawn_ids(layer, bbox, 0.0001, budget=10)  # 3,000 > 8 × 2 × 10: the coarse sample
    assert "feature_sample32_geom_gist" in plan  # the sample is read by its index
    step = max(COARSE, 2 ** math.ceil(math.log2(estimate / 10)))
    assert ids == [i for i in every if i % step == 0] and 0 < len(ids) <= 10
    ids, _ = _drawn_ids(layer, bbox, 0.0001, budget=1000)  # 2 × 1,000 < 3,000: the fine sample
    assert ids == [i for i in every if i % FINE == 0]  # step max(8, 4)
    ids, _ = _drawn_ids(layer, bbox, 0.0001, budget=2000)  # 3,000 < 2 × 2,000: counted one by one
    assert ids == [i for i in every if i % 2 == 0]
