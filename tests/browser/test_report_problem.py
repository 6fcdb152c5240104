"""A member of the public reports a broken street light with a photo and follows it; an editor of
the routed department handles it from the inbox; script and HTML typed by the public stay inert."""
import re

from annotations.models import Annotation, Suggestion
from annotations.workflow import annotation_transition
from tests.annotation_factories import IN_EAST, jpeg_upload, submit
from tests.browser.conftest import login

PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def click_at(page, lon: float, lat: float) -> None:
    point = page.evaluate(f"() => window.geoportal.map.latLngToContainerPoint([{lat}, {lon}])")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def test_report_follow_and_resolve(page, open_page, live_server, city):
    page.goto(live_server.url + "/")
    # The district polygons are drawn first: a click inside one must still place the pin.
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
    page.click("[data-testid=report-point]")
    click_at(page, IN_EAST.x, IN_EAST.y)
    form = page.locator("[data-testid=report-form]")
    form.locator("select[name=category]").select_option("street_light")
    form.locator("textarea[name=description]").fill("路灯不亮，整条街很黑")
    photo = jpeg_upload()
    form.locator("input[name=photos]").set_input_files(
        [{"name": "light.jpg", "mimeType": "image/jpeg", "buffer": photo.read()}])
    form.locator("input[name=contact]").fill("citizen@example.org")
    form.locator("input[name=consent]").check()
    page.click("[data-testid=report-submit]")
    number = page.locator("[data-testid=report-tracking]").inner_text()
    assert re.fullmatch(r"HRB-\d{4}-\d{6}", number)
    annotation = Annotation.objects.get(tracking_number=number)
    assert annotation.department == city["urban"] and annotation.photos.count() == 1
    page.click("[data-testid=report-track-link]")
    assert page.locator("[data-testid=tracking-number]").inner_text() == number
    assert page.locator("[data-testid=state]").inner_text().startswith("已提交")

    staff = open_page()
    login(staff, live_server, "u_editor", "pw-u_editor")
    staff.goto(live_server.url + "/inbox/")
    staff.click(f"[data-testid=inbox-row][data-number='{number}'] a")
    for state, reply in [("published", ""), ("assigned", ""), ("in_progress", "已安排维修"),
                         ("resolved", "路灯已更换 lamp replaced")]:
        staff.select_option("[data-testid=to-state]", state)
        staff.fill("[data-testid=public-reply]", reply)
        staff.click("[data-testid=transition-submit]")
        staff.wait_for_selector(f"[data-testid=item-state].an-state-{state}")

    page.reload()
    assert page.locator("[data-testid=state]").inner_text().startswith("已解决")
    assert "路灯已更换 lamp replaced" in page.locator("[data-testid=timeline]").inner_text()
    assert page.locator(".an-photos img").count() == 1


def test_script_and_html_payloads_stay_inert(page, open_page, live_server, city):
    annotation = submit(city["light"], description=f"说明 {PAYLOAD}").annotation
    for state in ("published", "assigned"):
        annotation = annotation_transition(annotation=annotation, to_state=state, user=city["urban_editor"],
                                           public_reply=f"答复 {PAYLOAD}")
    page.goto(live_server.url + "/")
    page.select_option("[data-testid=feedback-filter-category]", "road_damage")
    assert page.locator(".leaflet-marker-icon").count() == 0
    page.select_option("[data-testid=feedback-filter-category]", "street_light")
    page.select_option("[data-testid=feedback-filter-status]", "assigned")
    page.locator(".leaflet-marker-icon").first.click()
    popup = page.locator(".gp-feedback-popup")
    assert PAYLOAD in popup.inner_text()
    page.goto(f"{live_server.url}/track/{annotation.tracking_number}/")
    assert PAYLOAD in page.locator("[data-testid=description]").inner_text()
    assert PAYLOAD in page.locator("[data-testid=reply]").first.inner_text()
    assert page.evaluate("() => window.__pwned") is None
    staff = open_page()
    login(staff, live_server, "u_editor", "pw-u_editor")
    staff.goto(live_server.url + "/inbox/")
    assert "说明 <img src=x" in staff.locator("[data-testid=inbox-table]").inner_text()
    staff.goto(f"{live_server.url}/inbox/{annotation.tracking_number}/")
    assert PAYLOAD in staff.locator("[data-testid=item-description]").inner_text()
    assert staff.evaluate("() => window.__pwned") is None
    staff.goto(f"{live_server.url}/stats/")  # the trend chart is drawn by the vendored Chart.js
    assert staff.evaluate("() => Chart.getChart('an-trend').data.datasets[0].data.reduce((a, b) => a + b)") == 1
    assert page.locator("img[src=x]").count() == 0 and staff.locator("img[src=x]").count() == 0


def test_suggest_a_correction_from_a_popup(page, live_server, city, school_layer):
    page.goto(live_server.url + "/")
    page.wait_for_selector("#map[data-ready=true]")
    page.evaluate("() => window.geoportal.layers.overlay('schools').getLayers()[0].openPopup()")
    page.click("[data-testid=suggest-open]")
    form = page.locator("[data-testid=suggest-form]")
    form.locator("input[name=pupils]").fill("321")
    form.locator("textarea[name=comment]").fill("学生数已变 <b>numbers changed</b>")
    page.click("[data-testid=suggest-send]")
    page.wait_for_selector("[data-testid=suggest-done]")
    suggestion = Suggestion.objects.get()
    assert suggestion.properties == {"pupils": 321} and suggestion.layer == school_layer
    assert suggestion.comment == "学生数已变 <b>numbers changed</b>"
