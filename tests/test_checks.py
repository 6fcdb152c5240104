"""System checks of Geoportal's settings (geoportal/checks.py) and Django's deployment checks
with production settings."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from geoportal.env import env_floats

ROOT = Path(__file__).resolve().parent.parent


def _ids(**overrides) -> list[str]:
    with override_settings(**overrides):
        return sorted(message.id for message in checks.run_checks() if message.id.startswith("geoportal."))


def test_default_settings_pass():
    assert _ids() == []


@pytest.mark.django_db
def test_autovacuum_off_is_a_database_warning():
    """Run as `check --database default` (and by migrate): warned exactly when the server has it off."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        off = cursor.fetchone()[0] == "off"
    found = [m for m in checks.run_checks(databases=["default"]) if m.id == "geoportal.W007"]
    assert len(found) == (1 if off else 0)
    if off:
        assert "VACUUM" in found[0].hint
    assert not [m for m in checks.run_checks() if m.id == "geoportal.W007"]  # needs --database


@pytest.mark.parametrize("overrides, expected", [
    ({"GEOPORTAL_CITY_CODE": "2301"}, "geoportal.E001"),
    ({"GEOPORTAL_CITY_CODE": "230103"}, "geoportal.E001"),  # a district, not a city
    ({"CITY_EXTENT": [125.3, 44.0, 131.0]}, "geoportal.E002"),
    ({"CITY_EXTENT": [131.0, 44.0, 125.3, 46.6]}, "geoportal.E002"),  # west > east
    ({"MAP_CENTER": [45.7]}, "geoportal.E003"),
    ({"MAP_CENTER": [39.9, 116.4]}, "geoportal.W004"),  # Beijing: outside the city's extent
    ({"BASEMAP_URL": "https://tile.openstreetmap.org/tile.png"}, "geoportal.E005"),
    ({"BASEMAP_URL": "tile.openstreetmap.org/{z}/{x}/{y}.png"}, "geoportal.E005"),
    ({"MAP_ZOOM": 30}, "geoportal.E006"),
])
def test_bad_configuration_is_reported_with_a_stable_id(overrides, expected):
    assert _ids(**overrides) == [expected]


def test_a_proper_base_map_template_passes():
    assert _ids(BASEMAP_URL="https://t{s}.example.cn/{z}/{x}/{y}.png") == []


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Not the test settings' own values (tests/settings.py puts SECRET_KEY into the environment).
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "SECURE_", "DEBUG", "SECRET_KEY", "BASEMAP_", "MAP_", "CITY_"))}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**base, "DJANGO_SETTINGS_MODULE": "geoportal.settings", **env}, timeout=120)


PRODUCTION = {
    "SECRET_KEY": "k4Jx9-production-like-secret-Zq2v8wPp5rT1yU7iO3aS6dF0gH4jK8lM",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "geoportal.example.cn",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def test_check_deploy_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_bad_environment_fails_check_with_its_id():
    result = _manage("check", **{**PRODUCTION, "BASEMAP_URL": "https://tiles.example.cn/tile.png"})
    assert result.returncode != 0 and "geoportal.E005" in result.stderr


def test_missing_secret_key_fails_fast_with_a_message():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0 and "Set the environment variable SECRET_KEY" in result.stderr


def test_numbers_that_are_not_numbers_fail_fast(monkeypatch):
    monkeypatch.setenv("MAP_CENTER", "45.7,east")
    with pytest.raises(ImproperlyConfigured, match="MAP_CENTER must be comma-separated numbers"):
        env_floats("MAP_CENTER", "45.757,126.642")
    monkeypatch.setenv("MAP_CENTER", " 45.7 , 126.6 ")
    assert env_floats("MAP_CENTER", "0,0") == [45.7, 126.6]
