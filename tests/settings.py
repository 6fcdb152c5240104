"""Settings for the test suite: the production settings, with test-only secrets and fast hashing.

The database is the real PostGIS named by DATABASE_URL (pytest-django creates test_<name>)."""
import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-secret-key-not-for-deployment-0123456789")
# A fixed test-only key for the encrypted personal-information fields (annotations/pii.py).
os.environ.setdefault("PII_KEYS", "1:dGVzdC1zdWl0ZS1vbmx5LXBpaS1rZXktMzItYnl0ZXM=")
os.environ.setdefault("CACHE_KEY_PREFIX", "geoportal-test-" + os.environ.get("GEOPORTAL_DB_NAME", "geoportal"))

from geoportal.settings import *  # noqa: E402,F403
from geoportal.settings import STORAGES  # noqa: E402

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
IMPORT_JOBS_SYNC = True
API_RATES = {"token": "100000/min", "user": "100000/min", "anon": "100000/min"}
# Two-factor sign-in is off for the suite's many tests that sign staff in with force_login or the
# login form; the tests of two-factor sign-in itself (tests/test_identity_two_factor.py and the
# browser test) turn it on and enrol a real TOTP device (tests/identity_support.py).
TWO_FACTOR_REQUIRED = False
