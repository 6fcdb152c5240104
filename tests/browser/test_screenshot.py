"""The README's screenshot: the map with the Harbin demo, taken by the suite (docs/screenshot.png)."""
from pathlib import Path

from PIL import Image

from tests.browser.conftest import wait_for_map

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"


def test_screenshot_of_the_harbin_demo(page, live_server, harbin_demo):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.evaluate("() => window.geoportal.layers.zoomTo('districts')")
    page.wait_for_function("() => window.geoportal.map.getZoom() < 11")
    page.wait_for_timeout(400)  # the fit is animated; labels are placed after it
    assert page.locator(".leaflet-gp-backdrop-pane path").count() == 18

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    # 256 colours keep the committed file small; the map has few colours anyway.
    with Image.open(SCREENSHOT) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(SCREENSHOT, optimize=True)

    with Image.open(SCREENSHOT) as image:
        assert image.size == (1280, 800)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is not None and len(colours) > 20, "a drawn map, not a blank page"
    assert SCREENSHOT.stat().st_size < 300_000
