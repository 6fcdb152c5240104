"""Response headers Django's SecurityMiddleware does not send (it sends nosniff, Referrer-Policy
and Cross-Origin-Opener-Policy from settings; django-csp sends the CSP)."""
from django.conf import settings


class PermissionsPolicyMiddleware:
    """Turns off the browser features the platform never uses, for every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.value = ", ".join(f"{feature}={allow}" for feature, allow in settings.PERMISSIONS_POLICY.items())

    def __call__(self, request):
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault("Permissions-Policy", self.value)
        return response
