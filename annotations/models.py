"""Public annotations (reports from the public), their workflow, photos, staff notes, suggested
corrections to public features, and the keys of partner systems using Open311.

Private data (name, contact, follow-up comments, internal notes) lives only in these tables;
public views read through annotations/selectors.py, which names the public fields explicitly.
"""
from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import get_language

from annotations.pii import EncryptedTextField
from geoportal.accounts.models import Department
from layers.models import Feature, Layer


def _bilingual(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") and en else zh


class State(models.TextChoices):
    SUBMITTED = "submitted", "已提交 / Submitted"
    PUBLISHED = "published", "已公开 / Published"
    REJECTED = "rejected", "未采纳 / Rejected"
    ASSIGNED = "assigned", "已分派 / Assigned"
    IN_PROGRESS = "in_progress", "处理中 / In progress"
    RESOLVED = "resolved", "已解决 / Resolved"
    CLOSED = "closed", "已办结 / Closed"


# States in which an annotation is visible to the public (map, tiles, OGC, Open311).
PUBLIC_STATES = (State.PUBLISHED, State.ASSIGNED, State.IN_PROGRESS, State.RESOLVED, State.CLOSED)
OPEN_STATES = (State.SUBMITTED, State.PUBLISHED, State.ASSIGNED, State.IN_PROGRESS)


class Category(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name_zh = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)
    icon = models.CharField(max_length=8, help_text="A short symbol (emoji) shown on the map and in forms.")
    default_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL)
    deadline_days = models.PositiveSmallIntegerField(default=7, help_text="Items open longer are overdue.")
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)


class RoutingRule(models.Model):
    """Which department handles a category in a district; blank category or district match any."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    district_code = models.CharField(max_length=12, blank=True)
    department = models.ForeignKey(Department, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "district_code"], name="routing_unique_rule",
                                    nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return f"{self.category_id or '*'}/{self.district_code or '*'} -> {self.department_id}"


class Annotation(models.Model):
    tracking_number = models.CharField(max_length=32, unique=True)
    geom = models.GeometryField(srid=4326)
    category = models.ForeignKey(Category, on_delete=models.PROTECT)
    description = models.TextField()
    # Personal information: encrypted at rest, shown only to the handling department's staff, erased
    # PII_RETENTION_DAYS after the report is closed or when its submitter asks (annotations/privacy.py).
    name = EncryptedTextField(blank=True, help_text="At most 80 characters (annotations/services.py).")
    contact = EncryptedTextField(blank=True, help_text="At most 120 characters (annotations/services.py).")
    pii_erased_at = models.DateTimeField(null=True, blank=True, editable=False,
                                         help_text="When the name and contact were erased.")
    consent = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=State.choices, default=State.SUBMITTED)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="annotations")
    district_code = models.CharField(max_length=12, blank=True)
    follow_up_token_hash = models.CharField(max_length=64)
    open311_token = models.CharField(max_length=32, unique=True)
    source = models.CharField(max_length=16, default="web", help_text="web or the Open311 partner's name.")
    mirror_feature = models.OneToOneField(Feature, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["department", "state"]),
            models.Index(fields=["category", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES


class Transition(models.Model):
    """One step of an annotation's history; reassignments are rows with from_state == to_state."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=12, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL)
    public_reply = models.TextField(blank=True)
    internal_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class FollowUp(models.Model):
    """A comment the submitter adds through the secret link; visible to staff and that link only."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="follow_ups")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class Photo(models.Model):
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="annotations/photos/")
    thumbnail = models.ImageField(upload_to="annotations/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class InternalNote(models.Model):
    """A staff note pinned to a place or a feature (or a reply to another note). Never public."""

    class Audience(models.TextChoices):
        DEPARTMENT = "department", "本部门 / My department"
        STAFF = "staff", "全体工作人员 / All staff"

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    department = models.ForeignKey(Department, on_delete=models.CASCADE)
    audience = models.CharField(max_length=12, choices=Audience.choices, default=Audience.DEPARTMENT)
    geom = models.PointField(srid=4326, null=True, blank=True)
    feature = models.ForeignKey(Feature, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=False) | Q(geom__isnull=False) | Q(feature__isnull=False),
                name="note_pinned_or_reply",
            ),
        ]


class Suggestion(models.Model):
    """A proposed correction to a public feature, queued for the layer's department."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理 / Pending"
        ACCEPTED = "accepted", "已采纳 / Accepted"
        REJECTED = "rejected", "未采纳 / Rejected"

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="+")
    feature = models.ForeignKey(Feature, null=True, on_delete=models.SET_NULL, related_name="+")
    base_version = models.PositiveIntegerField()
    properties = models.JSONField(default=dict, blank=True)
    geom = models.GeometryField(srid=4326, null=True, blank=True)
    comment = models.TextField(blank=True)
    contact = EncryptedTextField(blank=True, help_text="Personal information: encrypted, erased with retention.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reply = models.TextField(blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    handled_at = models.DateTimeField(null=True, blank=True)
    applied_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class PartnerKey(models.Model):
    """An Open311 api_key issued to a partner system; only its SHA-256 is stored."""

    name = models.CharField(max_length=80, unique=True)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
