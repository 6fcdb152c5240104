"""Staff side over HTTP: inbox filters and overdue flags, transitions with replies and e-mail,
reassignment, statistics, internal notes and suggested corrections."""
import json
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.core import mail

from annotations.models import Annotation, InternalNote, State, Suggestion
from annotations.workflow import annotation_transition
from layers.history.models import FeatureVersion
from layers.models import Feature
from tests.annotation_factories import IN_WEST, submit


def age(annotation: Annotation, days: int) -> None:
    Annotation.objects.filter(pk=annotation.pk).update(created_at=annotation.created_at - timedelta(days=days))


def test_inbox_filters_overdue_and_map(client, city):
    fresh = submit(city["light"]).annotation
    old = submit(city["light"], description="旧的 old one").annotation
    age(old, city["light"].deadline_days + 1)
    elsewhere = submit(city["light"], IN_WEST.clone()).annotation  # routed to the service department
    client.force_login(city["urban_editor"])
    page = client.get("/inbox/")
    rows = [a.tracking_number for a in page.context["items"]]
    assert rows == [old.tracking_number, fresh.tracking_number]  # overdue first; other departments' absent
    assert elsewhere.tracking_number not in page.content.decode()
    assert page.context["counts"] == {"new": 2, "overdue": 1}
    assert [a.tracking_number for a in client.get("/inbox/", {"overdue": "1"}).context["items"]] == [
        old.tracking_number]
    assert [a.tracking_number for a in client.get("/inbox/", {"age": "3"}).context["items"]] == [old.tracking_number]
    assert list(client.get("/inbox/", {"district": "230102"}).context["items"]) == []
    assert len(client.get("/inbox/", {"category": "street_light", "state": "submitted"}).context["items"]) == 2
    geojson = client.get("/inbox/map.geojson").json()
    assert {f["properties"]["tracking_number"] for f in geojson["features"]} == {old.tracking_number,
                                                                                fresh.tracking_number}
    assert "contact" not in json.dumps(geojson)


def test_transitions_over_http_with_reply_and_mail(client, city, django_capture_on_commit_callbacks):
    annotation = submit(city["light"]).annotation
    client.force_login(city["urban_editor"])
    url = f"/inbox/{annotation.tracking_number}/transition/"
    with django_capture_on_commit_callbacks(execute=True):
        for state, reply in [("published", ""), ("assigned", ""), ("in_progress", "已派员 crew on the way")]:
            assert client.post(url, {"to_state": state, "public_reply": reply}).status_code == 302
    annotation.refresh_from_db()
    assert annotation.state == State.IN_PROGRESS
    assert [m.to for m in mail.outbox] == [["citizen@example.org"]] * 3
    assert "crew on the way" in mail.outbox[-1].body and annotation.tracking_number in mail.outbox[-1].subject
    refused = client.post(url, {"to_state": "resolved"}, follow=True)  # a reply is required
    assert "public reply" in refused.content.decode()
    illegal = client.post(url, {"to_state": "submitted"}, follow=True)
    assert "cannot become submitted" in illegal.content.decode()
    annotation.refresh_from_db()
    assert annotation.state == State.IN_PROGRESS
    moved = client.post(f"/inbox/{annotation.tracking_number}/reassign/", {"department": "service"})
    assert moved.status_code == 302 and moved["Location"] == "/inbox/"
    annotation.refresh_from_db()
    assert annotation.department == city["service"]
    assert client.get(f"/inbox/{annotation.tracking_number}/").status_code == 404


def test_statistics(client, city):
    done = submit(city["light"]).annotation
    for state, reply in [("published", ""), ("assigned", ""), ("in_progress", ""), ("resolved", "好了 done")]:
        done = annotation_transition(annotation=done, to_state=state, user=city["urban_editor"], public_reply=reply)
    Annotation.objects.filter(pk=done.pk).update(created_at=done.resolved_at - timedelta(hours=30))
    submit(city["light"])
    client.force_login(city["urban_editor"])
    stats = client.get("/stats/").context["stats"]
    assert stats["total"] == 2
    assert stats["median_resolve_hours"] == 30.0
    assert {r["state"]: r["n"] for r in stats["by_state"]} == {"resolved": 1, "submitted": 1}
    assert stats["by_category"][0]["category__code"] == "street_light" and stats["by_category"][0]["n"] == 2
    assert stats["by_district"] == [{"district_code": "230103", "n": 2}]
    assert len(stats["trend"]) == 12 and stats["trend"][-1]["reported"] >= 1


def test_internal_notes_visibility_and_replies(client, city, school_layer):
    feature = Feature.objects.filter(layer=school_layer).first()
    client.force_login(city["urban_editor"])
    client.post("/inbox/notes/", {"lat": "45.75", "lon": "126.66", "text": "井盖松动 loose cover",
                                  "audience": "department"})
    client.post("/inbox/notes/", {"feature_id": feature.pk, "text": "校门施工 works at the gate", "audience": "staff"})
    assert client.post("/inbox/notes/", {"text": "nowhere"}).status_code == 302
    assert InternalNote.objects.count() == 2
    staff_note = InternalNote.objects.get(feature=feature)
    client.force_login(city["service_editor"])
    page = client.get("/inbox/notes/").content.decode()
    assert "works at the gate" in page and "loose cover" not in page
    client.post("/inbox/notes/", {"parent": staff_note.pk, "text": "收到 noted"})
    assert staff_note.replies.get().text == "收到 noted"
    assert "noted" in client.get("/inbox/notes/").content.decode()


def test_suggestion_accept_applies_edit_and_reject_replies(client, city, school_layer, users,
                                                          django_capture_on_commit_callbacks):
    feature = Feature.objects.filter(layer=school_layer).first()
    body = {"layer": "schools", "feature_id": feature.pk, "properties": {"pupils": 999}, "comment": "人数不对",
            "contact": "parent@example.org"}
    created = client.post("/api/annotations/suggestions/", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    bad = client.post("/api/annotations/suggestions/", json.dumps({**body, "properties": {"pupils": "many"}}),
                      content_type="application/json")
    assert bad.status_code == 400
    moved = client.post("/api/annotations/suggestions/", json.dumps(
        {**body, "properties": {}, "geometry": {"type": "Point", "coordinates": [126.64, 45.77]}}),
        content_type="application/json")
    assert moved.status_code == 201
    suggestion = Suggestion.objects.get(pk=created.json()["id"])
    client.force_login(users["planning_editor"])  # not the layer's department
    assert "人数不对" not in client.get("/inbox/suggestions/").content.decode()
    assert client.post(f"/inbox/suggestions/{suggestion.pk}/", {"decision": "accept"}).status_code == 404
    client.force_login(users["education_editor"])
    assert "人数不对" in client.get("/inbox/suggestions/").content.decode()
    client.post(f"/inbox/suggestions/{suggestion.pk}/", {"decision": "accept", "reply": "已更新"})
    feature.refresh_from_db()
    suggestion.refresh_from_db()
    assert feature.properties["pupils"] == 999 and feature.version == 2
    assert suggestion.status == "accepted" and suggestion.applied_version == 2
    # The feature's history credits the suggestion: that version came in through its channel.
    version = FeatureVersion.objects.get(feature_id=feature.pk, version=suggestion.applied_version)
    assert (version.channel, version.user) == ("suggestion", users["education_editor"])
    # The other suggestion was based on version 1: it conflicts and stays pending.
    other = Suggestion.objects.get(pk=moved.json()["id"])
    client.post(f"/inbox/suggestions/{other.pk}/", {"decision": "accept"})
    other.refresh_from_db()
    assert other.status == "pending" and feature.geom.equals(Feature.objects.get(pk=feature.pk).geom)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/inbox/suggestions/{other.pk}/", {"decision": "reject", "reply": "位置无误 location is right"})
    other.refresh_from_db()
    assert other.status == "rejected" and "location is right" in mail.outbox[-1].body
    assert Point(126.64, 45.77, srid=4326).equals(other.geom)
