from django.urls import path, re_path

from annotations.open311 import views as open311
from annotations.views import corrections, notes, public, staff, stats

app_name = "annotations"
FMT = r"(?P<fmt>json|xml)"
urlpatterns = [
    path("api/annotations/", public.submit, name="submit"),
    path("api/annotations/categories/", public.categories, name="categories"),
    path("api/annotations/suggestions/", corrections.suggest, name="suggest"),
    path("track/", public.track_lookup, name="track-lookup"),
    path("track/<str:number>/", public.track, name="track"),
    path("track/<str:number>/follow-up/<str:token>/", public.follow_up, name="follow-up"),
    path("track/<str:number>/follow-up/<str:token>/personal-data/erase/", public.personal_data_erase,
         name="personal-data-erase"),
    path("track/<str:number>/photos/<int:pk>/<str:kind>/", public.photo, name="photo"),
    path("inbox/", staff.inbox, name="inbox"),
    path("inbox/map.geojson", staff.inbox_map, name="inbox-map"),
    path("inbox/suggestions/", corrections.queue, name="suggestions"),
    path("inbox/suggestions/<int:pk>/", corrections.decide, name="suggestion-decide"),
    path("inbox/notes/", notes.notes, name="notes"),
    path("inbox/<str:number>/", staff.item, name="item"),
    path("inbox/<str:number>/transition/", staff.transition, name="transition"),
    path("inbox/<str:number>/reassign/", staff.reassign, name="reassign"),
    path("stats/", stats.stats, name="stats"),
    re_path(rf"^open311/v2/services\.{FMT}$", open311.services, name="open311-services"),
    re_path(rf"^open311/v2/requests\.{FMT}$", open311.requests, name="open311-requests"),
    re_path(rf"^open311/v2/requests/(?P<number>[A-Za-z0-9-]+)\.{FMT}$", open311.request_detail,
            name="open311-request"),
    re_path(rf"^open311/v2/tokens/(?P<token>[A-Za-z0-9-]+)\.{FMT}$", open311.token_detail, name="open311-token"),
]
