"""API tokens: issued by an administrator to another system, scoped to layers or departments."""
from django.conf import settings
from django.db import models

from geoportal.accounts.models import Department
from layers.models import Layer


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    name = models.CharField(max_length=200, help_text="The system that uses the token, e.g. the approval centre.")
    prefix = models.CharField(max_length=16, unique=True, editable=False, help_text="Public part, for lookup.")
    token_hash = models.CharField(max_length=64, editable=False, help_text="SHA-256 of the whole token.")
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    layers = models.ManyToManyField(Layer, blank=True, related_name="api_tokens")
    departments = models.ManyToManyField(
        Department, blank=True, related_name="api_tokens", help_text="Every layer of these departments."
    )
    revoked = models.BooleanField(default=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"
