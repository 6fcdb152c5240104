"""The department's people for its manager: list them, make someone an editor or take it back."""
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.views.decorators.http import require_http_methods

from geoportal.accounts.models import User
from geoportal.accounts.services import department_member_set_role, department_members
from layers.editing.http import BadRequest, json_body
from layers.editing.views import editing_endpoint


def _member(user: User) -> dict:
    return {"username": user.username, "name": user.get_full_name(), "role": user.role}


@require_http_methods(["GET", "POST"])
@editing_endpoint
def members(request):
    """GET: the manager's department members. POST {username, role: editor|public}: change one."""
    actor = request.user
    try:
        if request.method == "POST":
            body = json_body(request)
            member = User.objects.filter(username=str(body.get("username", "")), is_active=True).first()
            if member is None:
                raise BadRequest({"username": "No such user."})
            try:
                department_member_set_role(actor=actor, member=member, role=str(body.get("role", "")))
            except ValueError as exc:
                raise BadRequest({"role": str(exc)}) from exc
        elif not (actor.is_department_staff and actor.role == User.Role.MANAGER):
            raise PermissionDenied("Only department managers manage editors.")
    except PermissionDenied as exc:
        raise BadRequest({"__all__": str(exc)}, status=403) from exc
    return JsonResponse({"members": [_member(u) for u in department_members(actor=actor)]})


