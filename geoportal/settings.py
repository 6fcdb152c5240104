"""Django settings for Geoportal. Every deployment-specific value comes from the environment."""
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
from django.utils.translation import gettext_lazy as _

from geoportal.env import env_bool, env_floats, env_int, env_list, env_str, redis_database
from geoportal.security.csp import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "insecure-local-development-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Behind a reverse proxy that sets X-Forwarded-Host/-Proto (nginx, a load balancer).
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "django_otp",  # its TOTP device is ours (geoportal.accounts.models.TOTPDevice: the key encrypted)
    "django_otp.plugins.otp_static",
    "geoportal",
    "geoportal.accounts",
    "geoportal.backup",
    "layers",
    "layers.tiles",
    "layers.ogcapi",
    "layers.api",
    "layers.history",
    "layers.io",
    "layers.rasters",
    "layers.printing",
    "layers.search",
    "layers.catalogue",
    "layers.changes",
    "layers.sharing",
    "annotations",
    "geoportal.audit",
    "frontend",
    "fixtures",
]

MIDDLEWARE = [
    # Request id, JSON log line, metrics and database time of every request (docs/architecture.md).
    "geoportal.observability.middleware.ObservabilityMiddleware",
    # The audit trail's view of the request (who, from where) and its reads of non-public layers.
    "geoportal.audit.reads.AuditMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (geoportal/security, docs/security.md).
    "csp.middleware.CSPMiddleware",
    "geoportal.security.headers.PermissionsPolicyMiddleware",
    # Request bodies over the view's limit answered 413 unread, before the CSRF check parses them.
    "geoportal.security.limits.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "geoportal.accounts.sessions.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "geoportal.urls"
WSGI_APPLICATION = "geoportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL", "postgis://geoportal:geoportal@127.0.0.1:5432/geoportal")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
# GeoDjango's PostGIS backend with a health check that costs no round trip (geoportal/db/base.py).
DATABASES["default"]["ENGINE"] = "geoportal.db"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
# PostgreSQL's JIT compiles a query when its estimated cost is high, which for tile and page
# statements (large estimates, short real runs) costs more than it saves: off unless DB_JIT=1.
if not env_bool("DB_JIT", False):
    _options = DATABASES["default"]["OPTIONS"]
    _options["options"] = (_options.get("options", "") + " -c jit=off").strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Scale-out (docs/cluster.md). DATABASE_POOLED: the database is reached through PgBouncer's
# transaction pooling, where a session outlives no transaction: no server-side cursors, no
# prepared statements, no LISTEN (geoportal/db/base.py), and no startup options (jit is then set
# on the database: ALTER DATABASE ... SET jit = off).
DATABASE_POOLED = env_bool("DATABASE_POOLED", False)
# DATABASE_REPLICA_URL: a streaming replica for the reads of tiles, items, search and catalogue
# (geoportal/db/routing.py); absent, everything reads and writes the one database.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_PATHS = env_list("DATABASE_REPLICA_PATHS", "/tiles/,/api/search,/api/layers/,/ogc/,/wmts,/wms")
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 300)
DATABASE_REPLICA_RETRY_SECONDS = env_int("DATABASE_REPLICA_RETRY_SECONDS", 5)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]),
        "ENGINE": "geoportal.db", "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {**DATABASES["default"]["OPTIONS"], "connect_timeout": env_int("DB_REPLICA_CONNECT_TIMEOUT", 2)},
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["geoportal.db.routing.ReplicaRouter"]
    MIDDLEWARE.insert(1, "geoportal.db.routing.ReplicaRoutingMiddleware")  # right after the request id
# Reverse proxies whose X-Forwarded-For names the client (CIDR list; geoportal/forwarded.py).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
if TRUSTED_PROXIES:
    MIDDLEWARE.insert(0, "geoportal.forwarded.ForwardedForMiddleware")
if DATABASE_POOLED:
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        _database["POOLED"] = True
        _database["OPTIONS"].pop("options", None)
        _database["OPTIONS"]["prepare_threshold"] = None

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
# Namespaces every key this deployment (or test database) writes to Redis.
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "geoportal")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "TIMEOUT": 300,
    }
}

AUTH_USER_MODEL = "accounts.User"
# Password policy (geoportal/accounts/passwords.py, docs/security.md): length, character classes,
# not the username, Django's and our lists of common passwords, no reuse, expiry.
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 12)
PASSWORD_MIN_CLASSES = env_int("PASSWORD_MIN_CLASSES", 3)
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)  # 0: passwords do not expire
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "geoportal.accounts.passwords.CharacterClassesValidator",
     "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES}},
    {"NAME": "geoportal.accounts.passwords.NotUsernameValidator"},
    {"NAME": "geoportal.accounts.passwords.CommonPasswordListValidator"},
    {"NAME": "geoportal.accounts.passwords.PasswordHistoryValidator",
     "OPTIONS": {"count": PASSWORD_HISTORY_COUNT}},
]
# Permissions follow the separation of duties first (geoportal/accounts/duties.py).
AUTHENTICATION_BACKENDS = ["geoportal.accounts.duties.DutiesBackend"]
# Two-factor sign-in (TOTP, django-otp) for staff with edit or manage rights and the admin site.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", True)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Geoportal")
# Sessions: idle timeout and absolute lifetime, seconds (geoportal/accounts/sessions.py).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_MAX_AGE = env_int("SESSION_MAX_AGE", 12 * 3600)
SESSION_COOKIE_AGE = SESSION_MAX_AGE
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Sign-in lock-out: this many failures per username and address within the window lock it.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Raster layers' Cloud-Optimized GeoTIFFs (layers.rasters); a larger or shared disk may hold them.
RASTER_ROOT = Path(env_str("RASTER_ROOT", str(MEDIA_ROOT / "rasters")))
# The largest raster an upload may hold (width × height); larger headers are refused unread.
RASTER_MAX_PIXELS = env_int("RASTER_MAX_PIXELS", 40_000 * 40_000)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security (production defaults; `manage.py check --deploy` passes with them).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# gis.W001: Debian 12 ships GDAL 3.6, which cannot block file and network access globally. Uploaded
# files are opened only by the importer (layers/io), which sets GDAL's own options to keep it off the
# network and inside the upload's folder: layers/io/gdalenv.py (in-process via LayersIOConfig.ready,
# and for every ogr2ogr/ogrinfo child), with one allowed driver per format and VRT never allowed.
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", "gis.W001")

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_ALL_ORIGINS = env_bool("CORS_ALLOW_ALL_ORIGINS", False)
# Browser clients of the REST and OGC APIs send If-Match/Content-Crs and read ETag, Location, etc.
CORS_ALLOW_HEADERS = (*cors_default_headers, "if-match", "content-crs")
CORS_EXPOSE_HEADERS = ["ETag", "Location", "Content-Crs", "Retry-After"]

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "layers.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["layers.api.throttling.ApiRateThrottle"],
    # JSON only: DRF's browsable API pages carry inline style the CSP refuses; /api/docs/ is the
    # API's page for people.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Geoportal API",
    "DESCRIPTION": "City spatial geographic information public service platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Webhook subscriptions' "kind" is not the layers' "kind" (layers/changes).
    "ENUM_NAME_OVERRIDES": {"SubscriptionKindEnum": "layers.changes.models.Subscription.Kind"},
}

# The city this deployment serves: its GB/T 2260 code selects the district boundaries
# loaded from the boundary package (Harbin by default).
GEOPORTAL_CITY_CODE = env_str("GEOPORTAL_CITY_CODE", "230100")
GEOPORTAL_CITY_NAME_ZH = env_str("GEOPORTAL_CITY_NAME_ZH", "哈尔滨市")
GEOPORTAL_CITY_NAME_EN = env_str("GEOPORTAL_CITY_NAME_EN", "Harbin")
MAP_CENTER = env_floats("MAP_CENTER", "45.757,126.642")  # lat, lon
MAP_ZOOM = env_int("MAP_ZOOM", 11)
# The sane extent edits must fall inside (lon/lat): west,south,east,north.
CITY_EXTENT = env_floats("CITY_EXTENT", "125.3,43.8,131.0,47.0")

# Base map: none by default (district boundaries are the backdrop). An XYZ template such as
# https://tile.openstreetmap.org/{z}/{x}/{y}.png, or Tianditu with TIANDITU_KEY.
BASEMAP_URL = env_str("BASEMAP_URL", "")
BASEMAP_ATTRIBUTION = env_str("BASEMAP_ATTRIBUTION", "")
TIANDITU_KEY = env_str("TIANDITU_KEY", "")

# Tiles (layers/tiles): the rendered-tile cache (a Redis URL, by default database 1 of REDIS_URL's
# server, so that clearing Django's cache, a FLUSHDB, keeps the tiles; empty turns it off), its size
# bound, the per-tile feature budget behind density thinning, the HTTP max-age of tiles, and the
# feature count above which the map draws a layer from vector tiles instead of one GeoJSON.
TILE_CACHE_URL = env_str("TILE_CACHE_URL", redis_database(REDIS_URL, 1))
TILE_CACHE_MAX_BYTES = env_int("TILE_CACHE_MAX_BYTES", 256 * 1024 * 1024)
TILE_MAX_FEATURES = env_int("TILE_MAX_FEATURES", 4000)
WMS_MAX_SIZE = env_int("WMS_MAX_SIZE", 4096)  # pixels per side of a WMS GetMap/GetFeatureInfo (layers/maps)
TILE_HTTP_MAX_AGE = env_int("TILE_HTTP_MAX_AGE", 60)
MAP_TILED_LAYER_THRESHOLD = env_int("MAP_TILED_LAYER_THRESHOLD", 5000)

# Public annotations (annotations/): tracking numbers, routing fallback, abuse limits.
ANNOTATION_TRACKING_PREFIX = env_str("ANNOTATION_TRACKING_PREFIX", "HRB")
# The department that owns the public "feedback" layer and receives what no rule routes.
ANNOTATION_SERVICE_DEPARTMENT = env_str("ANNOTATION_SERVICE_DEPARTMENT", "service")
ANNOTATION_MAX_TEXT = env_int("ANNOTATION_MAX_TEXT", 2000)
ANNOTATION_MAX_PHOTOS = env_int("ANNOTATION_MAX_PHOTOS", 3)
ANNOTATION_MAX_PHOTO_BYTES = env_int("ANNOTATION_MAX_PHOTO_BYTES", 8 * 1024 * 1024)
ANNOTATION_PHOTO_MAX_SIDE = env_int("ANNOTATION_PHOTO_MAX_SIDE", 1600)
# Anonymous submissions allowed per IP and per session within the window (seconds).
ANNOTATION_RATE_LIMIT = env_int("ANNOTATION_RATE_LIMIT", 5)
ANNOTATION_RATE_WINDOW = env_int("ANNOTATION_RATE_WINDOW", 600)
ANNOTATION_DUPLICATE_METRES = env_int("ANNOTATION_DUPLICATE_METRES", 50)
ANNOTATION_DUPLICATE_HOURS = env_int("ANNOTATION_DUPLICATE_HOURS", 48)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")

# Log lines: one JSON object each (json, production's default) or plain text (text, DEBUG's).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "geoportal.observability.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "geoportal.observability.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
# /metrics: answered to these client networks (CIDR) or to `Authorization: Bearer METRICS_TOKEN`.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1/32,::1/128")
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# /readyz: each check's timeout (s), the worker heartbeat's allowed age (s), a replica's allowed lag (s).
READYZ_TIMEOUT = float(env_str("READYZ_TIMEOUT", "2"))
WORKER_HEARTBEAT_STALE = env_int("WORKER_HEARTBEAT_STALE", 30)
REPLICA_MAX_LAG = env_int("REPLICA_MAX_LAG", 30)

# Import/export (layers/io). Uploads stream to disk and are refused past the limit while arriving.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 500 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 2 * 1024 * 1024 * 1024)
IMPORT_MAX_ZIP_FILES = env_int("IMPORT_MAX_ZIP_FILES", 100)
IMPORT_MAX_ZIP_RATIO = env_int("IMPORT_MAX_ZIP_RATIO", 200)
IMPORT_WORK_DIR = env_str("IMPORT_WORK_DIR", str(BASE_DIR / "var" / "imports"))
# Jobs run on RQ (Redis) by `manage.py run_worker`; IMPORT_JOBS_SYNC runs them in the request.
IMPORT_JOBS_SYNC = env_bool("IMPORT_JOBS_SYNC", False)
# Imports of more new features than this commit without their search rows, which the job worker
# adds right after (the layer is on the map first, searchable a little later); smaller ones are
# searchable when they commit.
SEARCH_INDEX_SYNC_ROWS = env_int("SEARCH_INDEX_SYNC_ROWS", 1000)
# One queue per database, so that several deployments may share a Redis.
IMPORT_QUEUE = env_str("IMPORT_QUEUE", "geoportal-imports-" + env_str("GEOPORTAL_DB_NAME", "geoportal"))
# Printed maps (layers.printing) run on that queue too; their files are deleted after this many seconds.
PRINT_FILE_MAX_AGE = env_int("PRINT_FILE_MAX_AGE", 24 * 3600)
# Non-file form fields stay small; files go to disk past 2.5 MB (Django's default).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2621440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2621440)
IMPORT_STAGE_TIMEOUT = env_int("IMPORT_STAGE_TIMEOUT", 3600)
# The Python with GDAL's bindings (Debian's python3-gdal) that describes uploads in a child process.
IMPORT_GDAL_PYTHON = env_str("IMPORT_GDAL_PYTHON", "/usr/bin/python3")
# API tokens expire this many days after issue unless the issuer sets another date (0: never).
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
# API request rates (REST and OGC API): per token, per signed-in user, per anonymous IP address.
API_RATES = {
    "token": env_str("API_RATE_TOKEN", "3000/min"),
    "user": env_str("API_RATE_USER", "1200/min"),
    "anon": env_str("API_RATE_ANON", "600/min"),
}

# Live map (layers/live): committed feature changes pushed to open maps over WebSockets, served by
# an ASGI process (geoportal/asgi.py, run by uvicorn beside gunicorn; docs/live.md). LIVE_URL tells
# the page where that process is: a path on the page's own origin ("/live/", behind a proxy),
# ":PORT/path" (the page's host, another port: `make run`) or a full ws:// or wss:// URL; empty
# turns the live map off. Events travel through Redis (LIVE_REDIS_URL, one key prefix per database).
INSTALLED_APPS += ["layers.live"]  # after layers.tiles: tiles are invalidated before maps refetch them
ASGI_APPLICATION = "geoportal.asgi.application"
LIVE_URL = env_str("LIVE_URL", "/live/")
LIVE_REDIS_URL = env_str("LIVE_REDIS_URL", REDIS_URL)
LIVE_KEY_PREFIX = "geoportal-live-" + env_str("GEOPORTAL_DB_NAME", "geoportal")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [LIVE_REDIS_URL], "prefix": LIVE_KEY_PREFIX},
    }
}
# How often (seconds) an open socket asks again whether its session still stands and its user
# still sees each layer it follows (a permission taken away stops the events within this time).
LIVE_RECHECK_SECONDS = env_int("LIVE_RECHECK_SECONDS", 30)

# Security headers (geoportal/security, docs/security.md). nosniff, Referrer-Policy and
# Cross-Origin-Opener-Policy come from SecurityMiddleware; the CSP (no 'unsafe-inline', no
# 'unsafe-eval', frame-ancestors 'none') from django-csp; Permissions-Policy from our middleware.
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = content_security_policy(basemap_url=BASEMAP_URL, tianditu_key=TIANDITU_KEY,
                                                  live_url=LIVE_URL)
PERMISSIONS_POLICY = {"camera": "()", "microphone": "()", "payment": "()", "usb": "()", "midi": "()",
                      "geolocation": "(self)", "fullscreen": "(self)"}
# The largest request body a view accepts unless it declares its own limit (imports and reports
# with photos do: geoportal/security/limits.py).
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 10 * 1024 * 1024)
# Violation reports each address may post to /csp-report per minute.
CSP_REPORT_RATE = env_int("CSP_REPORT_RATE", 30)

# Change feed webhooks (layers/changes, docs/changes.md). Receivers must start with one of the
# allowed URL prefixes and resolve to public addresses, or to the networks allowed here.
WEBHOOK_ALLOWED_URLS = env_list("WEBHOOK_ALLOWED_URLS", "")
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", "")
WEBHOOK_TIMEOUT = float(env_str("WEBHOOK_TIMEOUT", "5"))
WEBHOOK_BATCH = env_int("WEBHOOK_BATCH", 100)
WEBHOOK_MAX_FAILURES = env_int("WEBHOOK_MAX_FAILURES", 8)
WEBHOOK_RETRY_BASE = env_int("WEBHOOK_RETRY_BASE", 10)
WEBHOOK_RETRY_MAX = env_int("WEBHOOK_RETRY_MAX", 3600)
WEBHOOK_SWEEP_SECONDS = env_int("WEBHOOK_SWEEP_SECONDS", 5)

# Backup and restore (geoportal/backup, docs/backup.md): where `manage.py backup` puts its folders.
BACKUP_DIR = env_str("BACKUP_DIR", str(BASE_DIR / "var" / "backups"))

# Audit trail (geoportal/audit, docs/security.md "Audit"): the chain's hash (sha256 or sm3), how long
# entries are kept (at least 180 days: a system check refuses less), and the Redis list that carries
# reads of non-public layers to the worker.
AUDIT_HASH = env_str("AUDIT_HASH", "sha256").strip().lower()
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180)
AUDIT_QUEUE_URL = env_str("AUDIT_QUEUE_URL", REDIS_URL)

# Personal information (annotations/pii.py, docs/security.md "Personal information"): the keys
# (version:base64key, comma-separated; the highest version encrypts), the cipher (aes-gcm or sm4),
# and the days after a report is closed when its submitter's name and contact are erased.
PII_KEYS = env_list("PII_KEYS", "")
PII_CIPHER = env_str("PII_CIPHER", "aes-gcm").strip().lower()
PII_RETENTION_DAYS = env_int("PII_RETENTION_DAYS", 365)

# Scheduled work: (dotted path of a callable, interval in seconds), run by `manage.py run_worker`.
PERIODIC_TASKS = [
    ("geoportal.audit.reads.audit_reads_drain", 10),
    ("geoportal.audit.retention.audit_purge", 24 * 3600),
    ("annotations.privacy.pii_retention_erase", 3600),
    # Webhook retries, and changes held back by a long transaction when their edit committed.
    ("layers.changes.dispatch.webhooks_sweep", WEBHOOK_SWEEP_SECONDS),
    # Catalogue documents written under an earlier CATALOGUE_SITE_URL.
    ("layers.catalogue.services.records_rebase", 3600),
    # Approved shares whose end has come: their grants taken away, the requester told.
    ("layers.sharing.services.share_grants_expire", 300),
]

# Share requests (layers/sharing, docs/sharing.md): the longest a share may be asked for.
SHARE_MAX_DAYS = env_int("SHARE_MAX_DAYS", 365)

# Resource catalogue (layers/catalogue): the address the platform is reached at, written into the
# stored ISO 19139 documents (served as they are by CSW, where no request gives the host), and the
# largest page of records an OGC API - Records or CSW request may ask for.
CATALOGUE_SITE_URL = env_str("CATALOGUE_SITE_URL", "http://localhost:8000").rstrip("/")
CATALOGUE_MAX_RECORDS = env_int("CATALOGUE_MAX_RECORDS", 100)
# pycsw tells of every request at INFO; its warnings and errors are kept.
LOGGING["loggers"] = {**LOGGING.get("loggers", {}), "pycsw": {"level": "WARNING"}}
