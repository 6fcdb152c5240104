"""Reading share requests: a department's own, a manager's inbox, one request, the districts an
area may be, and the sharing matrix (who shares what with whom)."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry
from django.db.models import Case, Count, Q, QuerySet, When
from django.db.models.functions import Now

from geoportal.accounts.models import Department
from layers.models import Feature, Layer, LayerGrant
from layers.permissions import layers_for
from layers.search.views import GAZETTEER_CODE_FIELD, GAZETTEER_LAYER
from layers.sharing.models import ShareRequest


def _requests() -> QuerySet[ShareRequest]:
    return ShareRequest.objects.select_related("layer", "layer__department", "requester", "requester_department",
                                               "decided_by")


def requests_of_department(user) -> QuerySet[ShareRequest]:
    """The requests the user's department made (a requester follows them here)."""
    if not getattr(user, "is_department_staff", False):
        return ShareRequest.objects.none()
    return _requests().filter(requester_department_id=user.department_id)


def requests_to_decide(user) -> QuerySet[ShareRequest]:
    """Requests for the layers the user may share (a manager's inbox), pending first."""
    return (_requests().filter(layer__in=layers_for(user, "grant"))
            .order_by(Case(When(state=ShareRequest.State.PENDING, then=0), default=1), "-created_at", "-id"))


def request_for(user, pk: int) -> ShareRequest | None:
    """One request, for its department or its deciders; None when absent and when not theirs."""
    if not getattr(user, "is_authenticated", False):
        return None
    mine = requests_of_department(user).filter(pk=pk)
    return (mine.first() or requests_to_decide(user).filter(pk=pk).first())


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str

    def label(self, english: bool) -> str:
        return self.name_en if english and self.name_en else self.name_zh


def _districts() -> QuerySet[Feature]:
    return Feature.objects.filter(layer__slug=GAZETTEER_LAYER, layer__visibility=Layer.Visibility.PUBLIC)


def districts() -> list[District]:
    rows = _districts().values_list(f"properties__{GAZETTEER_CODE_FIELD}", "properties__name_zh",
                                    "properties__name_en").order_by("properties__code")
    return [District(str(code), name_zh or str(code), name_en or "") for code, name_zh, name_en in rows if code]


def district_area(code: str) -> tuple[GEOSGeometry, District] | None:
    feature = _districts().filter(**{f"properties__{GAZETTEER_CODE_FIELD}": code}).first()
    if feature is None:
        return None
    props = feature.properties
    return feature.geom, District(code, props.get("name_zh") or code, props.get("name_en") or "")


@dataclass(frozen=True)
class Matrix:
    departments: list[Department]  # rows and columns, in code order
    cells: dict[tuple[int, int], int]  # (owner id, receiver id) -> layers shared now
    scoped: dict[tuple[int, int], int]  # of which through share requests (scoped, with an end)
    pending: dict[tuple[int, int], int]  # requests awaiting a decision
    given: dict[int, int]  # per owner, layers shared with any department
    received: dict[int, int]

    def rows(self) -> list[tuple[Department, list[tuple[int, int, int]], int]]:
        """Per owner: per receiver (layers shared, of which by request, requests pending), and the
        owner's total."""
        return [(owner, [(self.cells.get((owner.pk, r.pk), 0), self.scoped.get((owner.pk, r.pk), 0),
                          self.pending.get((owner.pk, r.pk), 0)) for r in self.departments],
                 self.given.get(owner.pk, 0))
                for owner in self.departments]


def sharing_matrix() -> Matrix:
    """Department × department: how many layers each shares with each now (grants in force), and
    how many requests wait. Counts only: the layers' names are in the catalogue, for who may read it."""
    active = LayerGrant.objects.filter(department__isnull=False).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=Now()))
    cells, scoped = {}, {}
    for owner, receiver, total, shared in (active.values_list("layer__department_id", "department_id")
                                           .annotate(n=Count("layer", distinct=True),
                                                     s=Count("layer", distinct=True,
                                                             filter=Q(share_request__isnull=False)))
                                           .order_by()):
        cells[(owner, receiver)] = total
        scoped[(owner, receiver)] = shared
    pending = {(owner, receiver): n for owner, receiver, n in (
        ShareRequest.objects.filter(state=ShareRequest.State.PENDING)
        .values_list("layer__department_id", "requester_department_id").annotate(n=Count("id")).order_by())}
    involved = {d for pair in (*cells, *pending) for d in pair}
    departments = list(Department.objects.filter(pk__in=involved).order_by("code"))
    given: dict[int, int] = {}
    received: dict[int, int] = {}
    for (owner, receiver), n in cells.items():
        given[owner] = given.get(owner, 0) + n
        received[receiver] = received.get(receiver, 0) + n
    return Matrix(departments, cells, scoped, pending, given, received)
