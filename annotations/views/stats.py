"""The statistics page of the items a user handles."""
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotations.stats import annotation_stats
from annotations.views.staff import staff_required


@staff_required
@require_GET
def stats(request):
    return render(request, "annotations/stats.html", {"stats": annotation_stats(user=request.user)})
