"""The admin site's "delete selected" action, audited.

Django's own action logs its deletions with one bulk insert of LogEntry rows, which sends no
post_save signal, so geoportal/audit/signin.py never sees them. This action replaces it site-wide
(every ModelAdmin, ours and the installed apps' alike, e.g. django-otp's devices): it does what
Django's does, then records one admin.delete entry per object deleted.
"""
from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.actions import delete_selected as django_delete_selected

from geoportal.audit.recorder import audit_event


@admin.action(permissions=["delete"], description=django_delete_selected.short_description)
def delete_selected(modeladmin, request, queryset):
    confirmed = bool(request.POST.get("post"))
    # What is about to go, read before it goes (the objects' ids and names are all the trail keeps).
    doomed = [(obj.pk, str(obj)) for obj in queryset] if confirmed else []
    response = django_delete_selected(modeladmin, request, queryset)
    if response is None and confirmed:  # None: deleted, the admin goes back to the list
        remaining = set(modeladmin.model._default_manager.filter(pk__in=[pk for pk, _ in doomed])
                        .values_list("pk", flat=True))
        label = modeladmin.model._meta.label_lower
        for pk, name in doomed:
            if pk not in remaining:
                audit_event(action="admin.delete", target=f"{label}:{pk}"[:150],
                            details={"object": name, "change": "deleted with the bulk action"})
    return response


def install() -> None:
    admin.site.disable_action("delete_selected")
    admin.site.add_action(delete_selected, "delete_selected")
