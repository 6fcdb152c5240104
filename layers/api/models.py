"""API tokens: issued by an administrator to another system, scoped to layers or departments."""
import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from geoportal.accounts.models import Department
from layers.models import Layer


def parse_networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """`10.0.0.0/8, 192.0.2.7` -> networks; ValueError names the first entry that is not one."""
    networks = []
    for entry in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"{entry!r} is not an IP address or a CIDR network (e.g. 10.1.0.0/16).") from exc
    return networks


def validate_networks(text: str) -> None:
    try:
        parse_networks(text)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


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
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this moment the token is refused. Empty on the add form: "
        "API_TOKEN_MAX_DAYS from now.")
    allowed_ips = models.TextField(
        blank=True, default="", help_text="Addresses or networks (CIDR) the token may be used from, one per "
        "line or separated by commas; empty: any address.", validators=[validate_networks])
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"
