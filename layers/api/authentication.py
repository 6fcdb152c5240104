"""DRF authentication by API token (`Authorization: Bearer gpt_…`)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from geoportal.accounts.lockout import client_address
from layers.api.tokens import TokenError, bearer_token, principal_for_token


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        try:
            raw = bearer_token(request.headers.get("Authorization", ""))
            if raw is None:
                return None
            return principal_for_token(raw, client_address(request)), raw
        except TokenError as exc:
            raise AuthenticationFailed(str(exc)) from exc

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI schema."""

    target_class = "layers.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token issued by an administrator."}
