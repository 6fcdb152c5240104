"""A submitter deletes their name and contact from their follow-up link: the box must be ticked,
then the page says they are gone, and the handling department no longer sees them."""
from __future__ import annotations

from playwright.sync_api import expect

from annotations.models import Annotation
from tests.annotation_factories import submit


def test_delete_my_personal_data_from_the_follow_up_page(page, live_server, city):
    submitted = submit(city["light"], name="王小明", contact="wang@example.org")
    number = submitted.annotation.tracking_number
    page.goto(f"{live_server.url}/track/{number}/follow-up/{submitted.follow_up_token}/")
    button = page.locator("[data-testid=erase-personal-data]")
    expect(button).to_be_visible()
    button.click()  # not confirmed: the browser holds the form back (the box is required)
    assert Annotation.objects.get(tracking_number=number).contact == "wang@example.org"
    page.locator("[data-testid=erase-confirm]").check()
    button.click()
    expect(page.locator("[data-testid=personal-data-erased]")).to_be_visible()
    erased = Annotation.objects.get(tracking_number=number)
    assert (erased.name, erased.contact) == ("", "") and erased.pii_erased_at is not None
