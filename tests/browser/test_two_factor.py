"""Two-factor sign-in in the browser, with the requirement on: the QR code is drawn in the page,
the app's code enrols the device, the recovery codes are shown, the next sign-in asks for a code."""
import pytest

from geoportal.accounts.models import TOTPDevice
from tests.browser.conftest import login, wait_for_map
from tests.identity_support import code_for


@pytest.fixture
def two_factor_required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def test_enrol_then_sign_in_with_a_code(page, live_server, users, map_layers, two_factor_required):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    login(page, live_server, "p_editor", "pw-p_editor")
    page.wait_for_url("**/accounts/two-factor/setup/**")
    qr = page.locator("[data-testid=totp-qr] svg")
    assert qr.count() == 1 and qr.bounding_box()["width"] > 100  # drawn, large enough to scan
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requests)
    device = TOTPDevice.objects.get(user=users["planning_editor"], confirmed=False)
    page.fill("#gp-otp-code", code_for(device))
    page.locator("#gp-two-factor-setup button[type=submit]").click()
    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    page.locator(".gp-back a").click()
    wait_for_map(page)
    assert page.locator("[data-testid=user]").inner_text() == "p_editor"

    page.locator("[data-testid=logout]").click()
    page.wait_for_selector("[data-testid=login]")
    login(page, live_server, "p_editor", "pw-p_editor")
    page.wait_for_url("**/accounts/two-factor/?**")
    device.refresh_from_db()
    # The enrolment's code may not be used twice; the app's next one (within django-otp's
    # tolerance of one step, as from a phone whose clock runs a little ahead) is accepted.
    page.fill("#gp-otp-code", code_for(device, offset=1))
    page.locator("#gp-two-factor-form button[type=submit]").click()
    wait_for_map(page)
    assert page.locator("[data-testid=user]").inner_text() == "p_editor"
