"""Share requests in the browser: a planning editor finds education's internal schools in the
catalogue and asks for some fields within a district; education's manager approves fewer fields
within a polygon drawn on the decision form's map (or refuses with a reason); the requester follows
the state, then reads the layer through OGC API Features within what was given; the sharing matrix
counts the share and draws its chart. No page raises a CSP violation."""
import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from geoportal.accounts.models import User
from layers.models import Layer
from layers.services import feature_create
from layers.sharing.models import ShareRequest
from layers.sharing.services import share_request_create
from tests.browser.conftest import login
from tests.browser.test_csp import COLLECT, assert_no_violation
from tests.conftest import make_layer, make_user

NANGANG = (126.62, 45.70, 126.70, 45.79)
DAOLI = (126.52, 45.70, 126.60, 45.79)


@pytest.fixture
def shared(departments, users):
    """Education's internal schools: one in the west of 南岗区, one in its east, one in 道里区;
    the public districts layer the form offers; education's manager."""
    layer = make_layer("schools", departments["education"], visibility=Layer.Visibility.DEPARTMENT)
    schools = {}
    for key, name, lon, lat in [("west", "第一中学", 126.63, 45.75), ("east", "第二中学", 126.68, 45.76),
                                ("outside", "第三中学", 126.55, 45.78)]:
        schools[key] = feature_create(layer=layer, geometry=Point(lon, lat, srid=4326), properties={
            "name": name, "level": "middle", "pupils": 800, "boarding": False})
    districts = make_layer("districts", departments["planning"], geometry_type=Layer.GeometryType.POLYGON,
                           schema=[{"name": "code", "type": "string"}, {"name": "name_zh", "type": "string"},
                                   {"name": "name_en", "type": "string"}])
    for code, name_zh, name_en, bbox in [("230102", "道里区", "Daoli District", DAOLI),
                                         ("230103", "南岗区", "Nangang District", NANGANG)]:
        feature_create(layer=districts, geometry=MultiPolygon(Polygon.from_bbox(bbox), srid=4326),
                       properties={"code": code, "name_zh": name_zh, "name_en": name_en})
    make_user("e_manager", department=departments["education"], role=User.Role.MANAGER)
    return {"layer": layer, "schools": schools, "requester": users["planning_editor"]}


def watched_page(open_page):
    page = open_page()
    page.add_init_script(COLLECT)
    return page


def request_in_browser(page, page_problems, live_server) -> ShareRequest:
    """The requester's way: catalogue record → request link → the form → the request's page."""
    page.goto(f"{live_server.url}/catalogue/schools/")
    assert_no_violation(page, page_problems, "catalogue record")
    page.click("[data-testid=request-access]")
    page.wait_for_url("**/sharing/requests/new/?layer=schools")
    page.wait_for_selector("#gp-area-map .leaflet-tile-loaded", state="attached")
    assert_no_violation(page, page_problems, "request form")

    form = page.locator("[data-testid=request-form]")
    form.locator("textarea[name=purpose]").fill("学校周边规划评估 / planning around schools")
    form.locator("input[name=all_fields]").uncheck()
    for name in ("name", "level", "pupils"):
        form.locator(f"input[name=chosen][value={name}]").check()
    form.locator("input[name=area_kind][value=district]").check()
    assert form.locator("select[name=district] option").all_inner_texts() == ["—", "道里区", "南岗区"]
    form.locator("select[name=district]").select_option(label="南岗区")
    form.locator("input[name=duration_days]").fill("30")
    form.locator("[data-testid=request-submit]").click()
    page.wait_for_url("**/sharing/requests/*/")

    share = ShareRequest.objects.get()
    assert page.url.endswith(f"/sharing/requests/{share.pk}/")
    assert page.get_attribute("[data-testid=request-state]", "data-state") == "pending"
    assert "待审批" in page.inner_text("[data-testid=request-state]")
    assert page.inner_text("[data-testid=request-fields]") == "name, pupils, level"
    assert page.inner_text("[data-testid=request-area]") == "南岗区"
    assert page.locator("[data-testid=withdraw]").is_visible()
    assert page.locator("[data-testid=decision-form]").count() == 0  # the requester does not decide
    # The area asked is outlined on the request's map.
    page.wait_for_selector("#gp-area-map .leaflet-overlay-pane path", state="attached")
    assert_no_violation(page, page_problems, "request page, pending")
    assert (share.fields, share.area_label, share.duration_days) == (["name", "pupils", "level"], "南岗区", 30)
    return share


def open_from_inbox(page, page_problems, live_server, share: ShareRequest) -> None:
    login(page, live_server, "e_manager", "pw-e_manager")
    page.goto(f"{live_server.url}/sharing/inbox/")
    row = page.locator("[data-testid=share-row]", has_text=share.number)
    assert row.get_attribute("data-state") == "pending"
    assert_no_violation(page, page_problems, "inbox")
    row.locator("a").click()
    page.wait_for_url(f"**/sharing/requests/{share.pk}/")
    page.wait_for_selector("[data-testid=decision-form] #gp-area-map .leaflet-tile-loaded", state="attached")
    assert_no_violation(page, page_problems, "decision form")


def draw_west_half(page) -> None:
    """With the map's polygon tool, draw a box over the western half of the asked district
    (its outline on the map), as a manager would click it."""
    page.click("#gp-area-map .leaflet-pm-icon-polygon")  # also scrolls the map into view
    box = page.locator("#gp-area-map .leaflet-overlay-pane path[stroke='#e8a33d']").bounding_box()
    left, right = box["x"] + 0.1 * box["width"], box["x"] + 0.45 * box["width"]
    top, bottom = box["y"] + 0.1 * box["height"], box["y"] + 0.9 * box["height"]
    corners = [(left, top), (right, top), (right, bottom), (left, bottom)]
    for x, y in corners + corners[:1]:
        page.mouse.click(x, y)


def fetch_json(page, live_server, path: str) -> tuple[int, dict]:
    """GET with the browser's session (its cookies), as a script or a client of that user would."""
    response = page.request.get(live_server.url + path)
    return response.status, response.json()


def test_a_request_approved_narrower_is_read_within_its_scope_and_counted(open_page, page_problems, live_server,
                                                                         shared):
    schools = shared["schools"]
    requester = watched_page(open_page)
    login(requester, live_server, "p_editor", "pw-p_editor")
    share = request_in_browser(requester, page_problems, live_server)

    # Nothing is readable before the decision.
    status, _ = fetch_json(requester, live_server, "/ogc/collections/schools/items?f=json")
    assert status == 404

    manager = watched_page(open_page)
    open_from_inbox(manager, page_problems, live_server, share)
    form = manager.locator("[data-testid=decision-form]")
    form.locator("input[name=decision][value=approve]").check()
    assert [c.get_attribute("value") for c in form.locator("input[name=chosen]").all()] == ["name", "pupils", "level"]
    form.locator("input[name=chosen][value=pupils]").uncheck()
    draw_west_half(manager)
    # The drawing fills the hidden field and selects "within a drawn area".
    assert form.locator("input[name=area_kind][value=drawn]").is_checked()
    assert '"MultiPolygon"' in form.locator("input[name=drawn]").input_value()
    form.locator("input[name=duration_days]").fill("20")
    form.locator("textarea[name=reason]").fill("限于名称和学段、南岗区西部")
    form.locator("[data-testid=decide]").click()
    manager.wait_for_selector("[data-testid=request-state][data-state=approved]")
    assert_no_violation(manager, page_problems, "request page, approved, for the manager")

    share.refresh_from_db()
    assert share.state == ShareRequest.State.APPROVED and share.granted_fields == ["name", "level"]
    assert share.granted_area.covers(schools["west"].geom) and not share.granted_area.intersects(schools["east"].geom)

    requester.goto(f"{live_server.url}/sharing/requests/{share.pk}/")
    assert requester.get_attribute("[data-testid=request-state]", "data-state") == "approved"
    assert requester.inner_text("[data-testid=granted-fields]") == "name, level"
    assert requester.inner_text("[data-testid=granted-area]") == "南岗区 ∩ 绘制范围 / Drawn area"
    assert requester.inner_text("[data-testid=request-reason]") == "限于名称和学段、南岗区西部"
    assert requester.locator("[data-testid=withdraw]").count() == 0
    # Its map outlines the area asked and, in green, the area given.
    requester.wait_for_selector("#gp-area-map path[stroke='#2e8540']", state="attached")
    assert requester.locator("#gp-area-map path[stroke='#e8a33d']").count() == 1
    assert_no_violation(requester, page_problems, "request page, approved, for the requester")
    requester.goto(f"{live_server.url}/sharing/requests/")
    assert requester.get_attribute(f"[data-testid=share-row]:has-text('{share.number}')", "data-state") == "approved"

    # The requester reads the layer: the school in the drawn area, with the approved fields only.
    status, items = fetch_json(requester, live_server, "/ogc/collections/schools/items?f=json")
    assert status == 200, items
    assert [f["id"] for f in items["features"]] == [schools["west"].pk]
    assert items["features"][0]["properties"] == {"name": "第一中学", "level": "middle"}
    for outside in (schools["east"], schools["outside"]):
        status, _ = fetch_json(requester, live_server, f"/ogc/collections/schools/items/{outside.pk}?f=json")
        assert status == 404, outside
    status, _ = fetch_json(requester, live_server, "/ogc/collections/schools/items?f=json&properties=pupils")
    assert status == 400  # a hidden field cannot even be asked for

    # The matrix: education gives planning one layer, through a request, and the chart is drawn.
    requester.goto(f"{live_server.url}/sharing/matrix/")
    cell = requester.locator("[data-testid=cell-education-1]")  # columns in code order: education, planning
    assert cell.get_attribute("data-count") == "1" and cell.inner_text() == "1 (1)"
    assert requester.get_attribute("[data-testid=cell-planning-0]", "data-count") == "0"
    assert requester.inner_text("[data-testid=given-education]") == "1"
    chart = requester.wait_for_function("""() => {
        const canvas = document.querySelector("[data-testid=matrix-chart]");
        const chart = canvas && window.Chart && Chart.getChart(canvas);
        if (!chart || canvas.width === 0) return null;
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let drawn = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) drawn += 1;
        return { drawn, given: chart.data.datasets[0].data, received: chart.data.datasets[1].data,
                 labels: chart.data.labels };
    }""").json_value()
    assert chart["labels"] == ["教育局", "规划局"]
    assert chart["given"] == [1, 0] and chart["received"] == [0, 1]
    assert chart["drawn"] > 1000, chart
    assert_no_violation(requester, page_problems, "sharing matrix")


def test_a_refusal_needs_a_reason_which_the_requester_reads(open_page, page_problems, live_server, shared):
    share = share_request_create(actor=shared["requester"], layer=shared["layer"], purpose="学校周边规划评估",
                                 fields=None, area=None, area_label="", duration_days=30)
    manager = watched_page(open_page)
    open_from_inbox(manager, page_problems, live_server, share)
    form = manager.locator("[data-testid=decision-form]")
    form.locator("input[name=decision][value=refuse]").check()
    page_problems.allow_console("400 (Bad Request)")  # the form with errors is answered 400
    form.locator("[data-testid=decide]").click()
    assert "reason" in manager.inner_text("[data-testid=error-reason]")
    assert manager.get_attribute("[data-testid=request-state]", "data-state") == "pending"
    form = manager.locator("[data-testid=decision-form]")
    form.locator("input[name=decision][value=refuse]").check()
    form.locator("textarea[name=reason]").fill("涉及学生隐私")
    form.locator("[data-testid=decide]").click()
    manager.wait_for_selector("[data-testid=request-state][data-state=refused]")
    assert manager.locator("[data-testid=decision-form]").count() == 0

    requester = watched_page(open_page)
    login(requester, live_server, "p_editor", "pw-p_editor")
    requester.goto(f"{live_server.url}/sharing/requests/{share.pk}/")
    assert requester.get_attribute("[data-testid=request-state]", "data-state") == "refused"
    assert "已拒绝" in requester.inner_text("[data-testid=request-state]")
    assert requester.inner_text("[data-testid=request-reason]") == "涉及学生隐私"
    assert_no_violation(requester, page_problems, "request page, refused")
    status, _ = fetch_json(requester, live_server, "/ogc/collections/schools/items?f=json")
    assert status == 404
