"""The spatial core: layers, their features, and who besides the owner may use them."""
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.db.models import BigIntegerField, Q, Value
from django.db.models.functions import Cast
from django.utils.translation import get_language

from geoportal.accounts.models import Department


def _bilingual(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") and en else zh


# Names a layer may not take: /ogc/collections/catalogue is the resource catalogue (OGC API - Records).
RESERVED_SLUGS = frozenset({"catalogue"})


class Theme(models.TextChoices):
    """Themes group layers in the map's layer list."""

    BOUNDARIES = "boundaries", "行政区划 / Boundaries"
    PUBLIC_SERVICES = "public_services", "政务服务 / Public services"
    EDUCATION = "education", "教育 / Education"
    HEALTH = "health", "医疗卫生 / Health"
    ENVIRONMENT = "environment", "园林绿化 / Parks and environment"
    PLANNING = "planning", "规划 / Planning"
    ECONOMY = "economy", "经济 / Economy"
    TRANSPORT = "transport", "交通 / Transport"
    FEEDBACK = "feedback", "公众反馈 / Public feedback"
    OTHER = "other", "其他 / Other"


def default_style() -> dict:
    return {
        "stroke": "#3367d6",
        "fill": "#6f9bf1",
        "opacity": 0.8,
        "fill_opacity": 0.3,
        "weight": 2,
        "radius": 6,
        "symbol": "circle",
        "label_field": "",
    }


class Layer(models.Model):
    class Kind(models.TextChoices):
        VECTOR = "vector", "Vector (features)"
        RASTER = "raster", "Raster (image, elevation, scanned map)"

    class GeometryType(models.TextChoices):
        POINT = "point", "Point"
        LINE = "line", "Line"
        POLYGON = "polygon", "Polygon"
        MIXED = "mixed", "Mixed"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        STAFF = "staff", "All staff"
        DEPARTMENT = "department", "Owning department only"

    slug = models.SlugField(max_length=64, unique=True)
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    description_zh = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="layers")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.VECTOR,
                            help_text="Vector layers hold features; raster layers one image (layers.rasters).")
    theme = models.CharField(max_length=32, choices=Theme.choices, default=Theme.OTHER)
    geometry_type = models.CharField(max_length=10, choices=GeometryType.choices)
    schema = models.JSONField(default=list, blank=True, help_text="Typed attribute fields; see layers/schema.py.")
    name_field = models.CharField(
        max_length=64, blank=True, help_text="The attribute that names a feature (used by popups and search)."
    )
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC)
    style = models.JSONField(default=default_style, blank=True)
    min_zoom = models.PositiveSmallIntegerField(default=0)
    max_zoom = models.PositiveSmallIntegerField(default=22)
    attribution = models.CharField(max_length=300, blank=True)
    licence = models.CharField(max_length=200, blank=True)
    is_demo = models.BooleanField(default=False, help_text="Made-up demonstration data.")
    search_boost = models.FloatField(default=1.0, help_text="Rank weight of this layer's features in search.")
    extent = models.PolygonField(srid=4326, null=True, blank=True, editable=False)
    feature_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["theme", "slug"]
        constraints = [
            models.CheckConstraint(condition=Q(min_zoom__lte=models.F("max_zoom")), name="layer_zoom_range"),
            models.CheckConstraint(condition=~Q(slug__in=sorted(RESERVED_SLUGS)), name="layer_slug_not_reserved",
                                   violation_error_message="This name is taken by the platform; choose another."),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_raster(self) -> bool:
        return self.kind == self.Kind.RASTER

    @property
    def title(self) -> str:
        return _bilingual(self.title_zh, self.title_en)

    @property
    def description(self) -> str:
        return _bilingual(self.description_zh, self.description_en)


class LayerGrant(models.Model):
    """A manager's deliberate sharing of a layer with another department or a named user."""

    class Level(models.TextChoices):
        VIEW = "view", "View"
        EDIT = "edit", "View and edit"

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="grants")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    level = models.CharField(max_length=4, choices=Level.choices, default=Level.VIEW)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A grant's scope (layers/scope.py): which properties the grantee sees (None: all of them) and
    # where (None: everywhere; else the features meeting this area), and until when (None: until
    # taken back). Share requests (layers/sharing) create scoped, expiring grants.
    fields = ArrayField(models.CharField(max_length=63), null=True, blank=True)
    area = models.MultiPolygonField(srid=4326, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    @property
    def scoped(self) -> bool:
        return self.fields is not None or self.area is not None

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(department__isnull=False, user__isnull=True)
                           | Q(department__isnull=True, user__isnull=False)),
                name="grant_one_grantee",
            ),
            models.UniqueConstraint(fields=["layer", "department"], name="grant_unique_department"),
            models.UniqueConstraint(fields=["layer", "user"], name="grant_unique_user"),
        ]


class FeatureQuerySet(models.QuerySet):
    def of_layer(self, layer: "Layer | int") -> "FeatureQuerySet":
        """The layer's features, filtered so that the (layer, geom) GiST index can serve it.

        Django writes `layer_id = 42` with an integer literal, and btree_gist's bigint operator
        class has no bigint = integer operator, so the index would be used for the geometry only;
        comparing with a bigint lets it narrow by layer and geometry at once."""
        layer_id = layer if isinstance(layer, int) else layer.pk
        return self.filter(layer_id=Cast(Value(layer_id), BigIntegerField()))


class Feature(models.Model):
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="features")
    # No single-column spatial index: the (layer, geom) GiST index below serves every query, and a
    # second GiST index would double the cost of every insert (imports, edits).
    geom = models.GeometryField(srid=4326, spatial_index=False)
    properties = models.JSONField(default=dict, blank=True)
    name = models.CharField(max_length=255, blank=True, help_text="Display name, from the layer's name field.")
    version = models.PositiveIntegerField(default=1)
    # Who wrote the feature: no database constraint (Django sets these to NULL when a user is
    # deleted, through the indexes kept here); checking the reference cost every bulk write two
    # lookups per row (~2 s of a 300,000-row import).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeatureQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            # Serves every per-layer bbox query (tiles, OGC bbox, map views); needs btree_gist.
            GistIndex(fields=["layer", "geom"], name="feature_layer_geom_gist"),
            # And feature_sample8/32_geom_gist over one feature in 8 and in 32 (migration 0006: maps of dense views).
        ]

    def __str__(self) -> str:
        return self.name or f"{self.layer_id}/{self.pk}"
