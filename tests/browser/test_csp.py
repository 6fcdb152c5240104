"""Each page, loaded in Chromium under the real Content-Security-Policy, raises no
`securitypolicyviolation` event and logs no CSP error: the map (anonymous and editing), sign-in,
two-factor enrolment (its QR code, then the recovery codes), account security, the import page,
the annotation pages (public and staff), the OGC API HTML pages, the API docs, the catalogue (its
search and a record with its preview map), the audit trail (the audit administrator's), a
manager's webhooks (the list with its deliveries, and a new one with its secret), the admin with
its geometry widget and an error page. A script injected into a page is refused, and the
browser's report reaches /csp-report."""
import pytest

from geoportal.accounts.models import TOTPDevice
from layers.changes.services import subscription_create
from layers.models import Feature
from tests.annotation_factories import jpeg_upload, submit
from tests.browser.conftest import login, wait_for_map
from tests.identity_support import code_for

# Collects every violation the page sees, from before its first script runs.
COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI} at ${where}`);
});
"""


@pytest.fixture
def watched(page, page_problems):
    page.add_init_script(COLLECT)
    return page


def assert_no_violation(page, page_problems, what: str) -> None:
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("() => window.__cspViolations")
    csp_console = [m for m in page_problems.console_errors if "Content Security Policy" in m]
    assert violations == [] and csp_console == [], (what, violations, csp_console)


def visit(page, page_problems, url: str, *, ready: str | None = None) -> None:
    response = page.goto(url)
    assert response.status < 400 or url.endswith("/no-such-page/"), (url, response.status)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    if ready:
        page.wait_for_selector(ready, state="attached")
    assert_no_violation(page, page_problems, url)


@pytest.fixture
def report(city):
    return submit(city["light"], photos=[jpeg_upload()]).annotation


def test_public_pages(watched, page_problems, live_server, map_layers, report):
    base = live_server.url
    watched.goto(base + "/")
    wait_for_map(watched)
    watched.get_by_test_id("print").click()  # the print dialog
    assert_no_violation(watched, page_problems, "map page and print dialog")
    visit(watched, page_problems, base + "/accounts/login/", ready="input[name=password]")
    visit(watched, page_problems, base + f"/track/{report.tracking_number}/")
    visit(watched, page_problems, base + "/track/")
    visit(watched, page_problems, base + "/ogc?f=html")
    visit(watched, page_problems, base + "/ogc/collections?f=html")
    visit(watched, page_problems, base + "/ogc/collections/schools/items?f=html", ready=".leaflet-container")
    feature = Feature.objects.filter(layer=map_layers["schools"]).first()
    visit(watched, page_problems, base + f"/ogc/collections/schools/items/{feature.pk}?f=html",
          ready=".leaflet-container")
    visit(watched, page_problems, base + "/ogc/api?f=html", ready=".swagger-ui .info")
    visit(watched, page_problems, base + "/api/docs/", ready=".swagger-ui .info")
    page_problems.allow_console("404 (Not Found)")
    visit(watched, page_problems, base + "/no-such-page/")


def test_editing_staff_pages(watched, page_problems, live_server, map_layers, city, report):
    base = live_server.url
    login(watched, live_server, "u_editor", "pw-u_editor")
    wait_for_map(watched)
    assert_no_violation(watched, page_problems, "map page signed in")
    visit(watched, page_problems, base + "/import/", ready="form")
    visit(watched, page_problems, base + "/inbox/", ready=".leaflet-container")
    visit(watched, page_problems, base + f"/inbox/{report.tracking_number}/", ready=".leaflet-container")
    visit(watched, page_problems, base + "/stats/", ready="canvas")
    visit(watched, page_problems, base + "/inbox/suggestions/")
    visit(watched, page_problems, base + "/accounts/security/")
    visit(watched, page_problems, base + "/accounts/two-factor/setup/", ready="[data-testid=totp-qr] svg")
    device = TOTPDevice.objects.get(user=city["urban_editor"], confirmed=False)
    watched.fill("#gp-otp-code", code_for(device))
    watched.locator("#gp-two-factor-setup button[type=submit]").click()
    watched.wait_for_selector("[data-testid=recovery-codes] li")
    assert_no_violation(watched, page_problems, "recovery codes after enrolment")
    visit(watched, page_problems, base + "/accounts/password_change/")


def test_catalogue_pages(watched, page_problems, live_server, map_layers):
    base = live_server.url
    visit(watched, page_problems, base + "/catalogue/", ready="[data-testid=catalogue-record]")
    visit(watched, page_problems, base + "/catalogue/?q=zxxx", ready="[data-testid=catalogue-record]")
    visit(watched, page_problems, base + "/catalogue/schools/", ready=".gp-preview-tiles img.leaflet-tile-loaded")


def test_audit_trail_page(watched, page_problems, live_server, users):
    base = live_server.url
    login(watched, live_server, "auditor", "pw-auditor")
    visit(watched, page_problems, base + "/audit/", ready="[data-testid=audit-entry]")
    visit(watched, page_problems, base + "/audit/?action=auth.login&result=ok",
          ready="[data-testid=audit-entry]")


def test_webhook_pages(watched, page_problems, live_server, settings, users, map_layers):
    settings.WEBHOOK_ALLOWED_URLS = ["http://127.0.0.1:9/hooks"]
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    manager = users["planning_manager"]
    subscription_create(principal=manager, kind="layer", layer_slug="roads", url="http://127.0.0.1:9/hooks")
    base = live_server.url
    login(watched, live_server, "p_manager", "pw-p_manager")
    visit(watched, page_problems, base + "/webhooks/", ready="[data-testid=webhook-row]")
    form = watched.locator("[data-testid=webhook-create]")
    form.locator("select[name=layer]").select_option("test-districts")
    form.locator("input[name=url]").fill("http://127.0.0.1:9/hooks")
    form.locator("button[type=submit]").click()
    watched.wait_for_selector("[data-testid=webhook-secret]")
    assert watched.locator("[data-testid=webhook-row]").count() == 2
    assert_no_violation(watched, page_problems, "a new webhook and its secret")


def test_admin_and_its_geometry_widget(watched, page_problems, live_server, admin_with_backdrop, school_layer):
    feature = Feature.objects.filter(layer=school_layer).first()
    base = live_server.url
    watched.goto(f"{base}/admin/login/?next=/admin/")
    watched.fill("input[name=username]", "widget_admin")
    watched.fill("input[name=password]", "pw-widget_admin")
    watched.click("input[type=submit]")
    watched.wait_for_url(f"{base}/admin/")
    assert_no_violation(watched, page_problems, "admin index")
    visit(watched, page_problems, base + "/admin/layers/layer/")
    visit(watched, page_problems, f"{base}/admin/layers/feature/{feature.pk}/change/", ready=".dj_map .ol-viewport")
    # The widget started from its JSON options: it shows the feature over the districts.
    watched.wait_for_function("() => geodjango_geom.options.base_layer.getSource().getFeatures().length === 1")
    assert watched.evaluate("() => geodjango_geom.featureCollection.getLength()") == 1
    visit(watched, page_problems, f"{base}/admin/annotations/annotation/")


def test_an_injected_script_is_refused_and_reported(watched, page_problems, live_server, map_layers):
    page_problems.allow_console("Content Security Policy")
    watched.goto(live_server.url + "/")
    wait_for_map(watched)
    with watched.expect_request(lambda request: request.url.endswith("/csp-report")) as reported:
        ran = watched.evaluate("""() => {
            window.__injected = false;
            const script = document.createElement("script");
            script.textContent = "window.__injected = true";
            document.body.appendChild(script);
            const styled = document.createElement("style");
            styled.textContent = "body { display: none }";
            document.head.appendChild(styled);
            return window.__injected;
        }""")
    assert ran is False
    assert watched.is_visible("#map")  # the injected style was not applied either
    assert reported.value.response().status == 204
    violations = watched.evaluate("() => window.__cspViolations")
    assert any(v.startswith("script-src-elem") for v in violations), violations
    assert any(v.startswith("style-src-elem") for v in violations), violations
