"""Raster layers on the map: drawn from the server's PNG tiles, an opacity slider per layer
(raster and vector) kept in the share link, a ramp swatch in the legend, and the elevation style
editor for managers."""
from __future__ import annotations

import pytest

from layers.history.models import AuditLog
from tests.browser.conftest import login, wait_for_map

VIEW = "#map=13/45.7500/126.6400"



def track_tiles(page, slug):
    seen = []
    page.on("response", lambda r: seen.append((r.status, r.headers.get("content-type"), r.url))
            if f"/tiles/{slug}/" in r.url else None)
    return seen


def test_a_raster_layer_draws_its_png_tiles_and_its_slider_sets_their_opacity(page, live_server, elevation):
    seen = track_tiles(page, "dem")
    page.goto(f"{live_server.url}/{VIEW}&layers=dem")
    wait_for_map(page)
    page.wait_for_selector(".gp-raster-dem img.leaflet-tile-loaded")
    assert seen and all(status == 200 and kind == "image/png" for status, kind, _ in seen), seen
    assert all(".png?v=" in url for *_, url in seen)  # the layer's version defeats stale caches
    # The tiles sit under the vector layers, in the overlay pane.
    assert page.locator(".leaflet-gp-raster-pane .gp-raster-dem").count() == 1

    row = page.locator(".gp-layer[data-layer=dem]")
    assert row.get_attribute("data-kind") == "raster"
    slider = row.locator(".gp-opacity")
    assert slider.is_visible() and slider.input_value() == "100"
    slider.fill("40")
    assert page.locator(".gp-raster-dem").evaluate("node => node.style.opacity") == "0.4"
    page.wait_for_function("() => location.hash.includes('&opacity=dem:0.4')")
    assert slider.get_attribute("aria-valuetext") == "40%"

    # The link reopens the layer at that opacity.
    link = page.url
    page.goto("about:blank")
    page.goto(link)
    wait_for_map(page)
    page.wait_for_selector(".gp-raster-dem img.leaflet-tile-loaded")
    assert page.locator(".gp-layer[data-layer=dem] .gp-opacity").input_value() == "40"
    assert page.locator(".gp-raster-dem").evaluate("node => node.style.opacity") == "0.4"

    # Switched off, the slider goes with it and no tile layer is left.
    row.locator("input[type=checkbox]").uncheck()
    assert not row.locator(".gp-opacity").is_visible()
    assert page.locator(".gp-raster-dem").count() == 0


def test_the_slider_scales_a_vector_layers_stroke_and_fill(page, live_server, map_layers):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    points = page.locator(".leaflet-gp-point-pane path")
    assert points.count() == 3
    before = [float(points.nth(i).get_attribute("stroke-opacity")) for i in range(3)]
    page.locator(".gp-layer[data-layer=schools] .gp-opacity").fill("50")
    after = [float(points.nth(i).get_attribute("stroke-opacity")) for i in range(3)]
    assert after == pytest.approx([b * 0.5 for b in before])
    assert float(points.first.get_attribute("fill-opacity")) < 0.5
    # Other layers keep theirs.
    assert page.locator(".leaflet-gp-backdrop-pane path").first.get_attribute("stroke-opacity") == "0.8"
    page.wait_for_function("() => location.hash.includes('&opacity=schools:0.5')")


def test_the_legend_shows_an_elevation_ramp(page, live_server, elevation):
    page.goto(f"{live_server.url}/{VIEW}&layers=")
    wait_for_map(page)
    swatch = page.locator("[data-swatch=dem]")
    assert "gp-swatch-raster" in swatch.get_attribute("class")
    stops = swatch.locator("stop")
    assert [stops.nth(i).get_attribute("stop-color") for i in range(stops.count())] == ["#2b83ba", "#ffffbf", "#d7191c"]
    assert [stops.nth(i).get_attribute("offset") for i in range(stops.count())] == ["0", "0.5", "1"]


def test_a_manager_edits_the_elevation_style_and_the_tiles_are_fetched_afresh(page, live_server, elevation, users):
    login(page, live_server, "p_manager", "pw-p_manager")
    page.goto(f"{live_server.url}/{VIEW}&layers=dem")
    wait_for_map(page)
    page.wait_for_selector(".gp-raster-dem img.leaflet-tile-loaded")
    first_urls = set(page.locator(".gp-raster-dem img").evaluate_all("nodes => nodes.map(n => n.src)"))
    page.select_option("#gp-edit-layer", "dem")
    assert not page.locator("#gp-edit-toggle").is_visible()  # no features to edit in a raster
    page.click("#gp-layer-manage")
    dialog = page.locator("[data-testid=layer-admin]")
    editor = dialog.locator("[data-testid=raster-style]")
    editor.wait_for()
    assert dialog.locator("#gp-layer-geometry_type").count() == 0  # no vector parts for a raster
    stops = editor.locator(".gp-ramp-stop")
    assert stops.count() == 3
    assert [stops.nth(i).locator(".gp-ramp-value").input_value() for i in range(3)] == ["100", "200", "300"]

    # Live preview of the ramp while it is edited.
    preview = editor.locator("[data-testid=ramp-preview]")
    assert "rgb(255, 255, 191)" in preview.evaluate("n => getComputedStyle(n).backgroundImage")
    stops.nth(1).locator("[data-action=remove-stop]").click()
    assert stops.count() == 2
    assert "rgb(255, 255, 191)" not in preview.evaluate("n => getComputedStyle(n).backgroundImage")
    editor.locator("[data-action=add-stop]").click()
    new = stops.nth(2)
    new.locator(".gp-ramp-value").fill("250")
    new.locator(".gp-ramp-colour").fill("#00aa00")
    assert "rgb(0, 170, 0)" in preview.evaluate("n => getComputedStyle(n).backgroundImage")
    assert editor.locator(".gp-ramp-high").inner_text() == "300"
    editor.locator("#gp-style-hillshade").check()
    editor.locator("#gp-style-hillshade_opacity").fill("0.3")
    editor.locator("#gp-style-opacity").fill("0.8")

    dialog.locator("[data-action=save]").click()
    dialog.wait_for(state="detached")
    elevation.refresh_from_db()
    assert elevation.style["opacity"] == 0.8
    assert elevation.style["raster"] == {"ramp": [[100, "#2b83ba"], [250, "#00aa00"], [300, "#d7191c"]],
                                         "hillshade": True, "hillshade_opacity": 0.3}
    assert AuditLog.objects.filter(layer=elevation, action="style.update").exists()
    # Without a reload, the map asks for the layer's tiles again under its new version.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.gp-raster-dem img.leaflet-tile-loaded')].length > 0 && "
        f"[...document.querySelectorAll('.gp-raster-dem img')].every(n => !{sorted(first_urls)!r}.includes(n.src))")
    assert page.locator("[data-swatch=dem] stop").nth(1).get_attribute("stop-color") == "#00aa00"
