"""The state machine, routing by district and the public mirror layer."""
import pytest
from django.core import mail

from annotations.models import Category, RoutingRule, State, Transition
from annotations.routing import department_for, district_code_at
from annotations.workflow import IllegalTransition, NotAllowed, annotation_reassign, annotation_transition
from layers.models import Feature, Layer
from tests.annotation_factories import IN_EAST, IN_WEST, submit
from tests.conftest import make_user


def test_district_lookup_and_routing(city):
    assert district_code_at(geometry=IN_EAST) == "230103"
    assert district_code_at(geometry=IN_WEST) == "230102"
    east = submit(city["light"], IN_EAST.clone()).annotation
    west = submit(city["light"], IN_WEST.clone()).annotation
    assert (east.district_code, east.department) == ("230103", city["urban"])
    # No rule for the west district and no default department: the service department.
    assert (west.district_code, west.department) == ("230102", city["service"])
    road = Category.objects.get(code="road_damage")
    road.default_department = city["urban"]
    road.save()
    assert department_for(category=road, district_code="230102") == city["urban"]
    RoutingRule.objects.create(district_code="230102", department=city["service"])
    assert department_for(category=road, district_code="230102") == city["service"]


def test_tracking_number_format(city, settings):
    settings.ANNOTATION_TRACKING_PREFIX = "XYZ"
    first = submit(city["light"]).annotation
    second = submit(city["light"]).annotation
    prefix, year, number = first.tracking_number.split("-")
    assert prefix == "XYZ" and year == str(first.created_at.year) and len(number) == 6
    assert int(second.tracking_number.rsplit("-", 1)[1]) == int(number) + 1


def test_full_path_with_reply_mirror_and_mail(city, django_capture_on_commit_callbacks):
    annotation = submit(city["light"]).annotation
    editor = city["urban_editor"]
    steps = [(State.PUBLISHED, ""), (State.ASSIGNED, ""), (State.IN_PROGRESS, "已派人 crew sent"),
             (State.RESOLVED, "已修复 fixed")]
    for state, reply in steps:
        with django_capture_on_commit_callbacks(execute=True):
            annotation = annotation_transition(annotation=annotation, to_state=state, user=editor,
                                               public_reply=reply)
    assert annotation.state == State.RESOLVED and annotation.resolved_at is not None
    rows = list(Transition.objects.filter(annotation=annotation).values_list("from_state", "to_state", "actor"))
    assert rows[0] == ("", State.SUBMITTED, None)
    assert rows[-1] == (State.IN_PROGRESS, State.RESOLVED, editor.pk)
    feature = Feature.objects.get(pk=annotation.mirror_feature_id)
    assert feature.layer.slug == "feedback" and feature.layer.visibility == Layer.Visibility.PUBLIC
    assert feature.properties["status"] == "resolved"
    assert "citizen@example.org" not in str(feature.properties) and "张三" not in str(feature.properties)
    assert len(mail.outbox) == 4 and mail.outbox[-1].to == ["citizen@example.org"]
    assert "已修复 fixed" in mail.outbox[-1].body
    reopened = annotation_transition(annotation=annotation, to_state=State.ASSIGNED, user=editor)
    assert reopened.state == State.ASSIGNED and reopened.resolved_at is None


@pytest.mark.parametrize("path", [
    [State.ASSIGNED],
    [State.RESOLVED],
    [State.PUBLISHED, State.IN_PROGRESS],
    [State.PUBLISHED, State.SUBMITTED],
])
def test_illegal_transitions_are_refused(city, path):
    annotation = submit(city["light"]).annotation
    with pytest.raises(IllegalTransition):
        for state in path:
            annotation = annotation_transition(annotation=annotation, to_state=state, user=city["urban_editor"],
                                               public_reply="x")
    annotation.refresh_from_db()
    assert annotation.state == (State.SUBMITTED if len(path) == 1 else path[0])


def test_rejection_needs_a_reason_and_removes_nothing_public(city):
    annotation = submit(city["light"]).annotation
    with pytest.raises(IllegalTransition):
        annotation_transition(annotation=annotation, to_state=State.REJECTED, user=city["urban_editor"])
    rejected = annotation_transition(annotation=annotation, to_state=State.REJECTED, user=city["urban_editor"],
                                     public_reply="广告 spam")
    assert rejected.state == State.REJECTED and rejected.mirror_feature_id is None
    with pytest.raises(IllegalTransition):
        annotation_transition(annotation=rejected, to_state=State.PUBLISHED, user=city["urban_editor"])


def test_other_departments_may_not_handle_but_admins_may(city, users):
    annotation = submit(city["light"]).annotation
    with pytest.raises(NotAllowed):
        annotation_transition(annotation=annotation, to_state=State.PUBLISHED, user=city["service_editor"])
    with pytest.raises(NotAllowed):
        annotation_transition(annotation=annotation, to_state=State.PUBLISHED, user=users["public"])
    annotation = annotation_transition(annotation=annotation, to_state=State.PUBLISHED, user=users["admin"])
    moved = annotation_reassign(annotation=annotation, department=city["service"], user=city["urban_editor"])
    assert moved.department == city["service"]
    with pytest.raises(NotAllowed):
        annotation_transition(annotation=moved, to_state=State.ASSIGNED, user=city["urban_editor"])
    assert annotation_transition(annotation=moved, to_state=State.ASSIGNED,
                                 user=make_user("s2", department=city["service"], role="manager")).state == "assigned"
