"""/audit/: the audit administrator searches, filters and exports (CSV) the audit trail. Nobody
else may: not the system or security administrator, not department staff. Each search and export
is itself recorded."""
from __future__ import annotations

import csv

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from redis import RedisError

from geoportal.audit.chain import HASHED_FIELDS
from geoportal.audit.models import Entry
from geoportal.audit.reads import audit_reads_drain
from geoportal.audit.recorder import audit_event
from geoportal.audit.selectors import AuditFilter, audit_actions, audit_entries_search

PAGE_SIZE = 50
CSV_COLUMNS = [name for name in HASHED_FIELDS if name != "algorithm"] + ["algorithm", "prev_hash", "hash"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]


class AuditFilterForm(forms.Form):
    user = forms.CharField(required=False, max_length=150)
    action = forms.CharField(required=False, max_length=40)
    layer = forms.CharField(required=False, max_length=64)
    result = forms.ChoiceField(required=False, choices=[("", "—"), *Entry.Result.choices])
    ip = forms.CharField(required=False, max_length=45)
    since = forms.DateTimeField(required=False, input_formats=_DATETIME_FORMATS)
    until = forms.DateTimeField(required=False, input_formats=_DATETIME_FORMATS)

    def filters(self) -> AuditFilter:
        data = self.cleaned_data
        return AuditFilter(username=data["user"].strip(), action=data["action"].strip(),
                           layer_slug=data["layer"].strip(), result=data["result"], ip=data["ip"].strip(),
                           since=data["since"], until=data["until"])


def _auditor_only(request) -> None:
    if not request.user.is_audit_admin:
        raise PermissionDenied("Only the audit administrator reads the audit trail. / 仅审计管理员可查看审计记录。")


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value):
        return value


def _csv_rows(entries):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for entry in entries.iterator(chunk_size=2000):
        yield writer.writerow([_cell(getattr(entry, name)) for name in CSV_COLUMNS])


@login_required
@require_GET
def audit_page(request):
    _auditor_only(request)
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "audit/audit.html", {"form": form, "actions": audit_actions()}, status=400)
    filters = form.filters() if request.GET else AuditFilter()
    try:
        audit_reads_drain()
        pending_note = ""
    except RedisError:
        pending_note = "The queue of layer reads cannot be reached: the latest reads may be missing."
    entries = audit_entries_search(filters=filters)
    if request.GET.get("format") == "csv":
        audit_event(action="audit.export", details={"filters": filters.as_dict()})
        response = StreamingHttpResponse(_csv_rows(entries), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return response
    audit_event(action="audit.search", details={"filters": filters.as_dict()})
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/audit.html", {
        "form": form, "page": page, "actions": audit_actions(), "query": query.urlencode(),
        "pending_note": pending_note,
    })
