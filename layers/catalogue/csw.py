"""CSW 2.0.2 at /csw, answered by pycsw embedded against our own tables.

pycsw reads the view catalogue_csw_record (migration 0002) through its SQLAlchemy repository,
bound to Django's database. Who may read which record is decided by layers.permissions, once per
request: the readable layers' ids become pycsw's repository filter (integers from our database,
never text from the request). Transactions and harvesting are off: records are edited in the
catalogue's own form."""
from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from pycsw.core.repository import Repository
from pycsw.server import Csw
from sqlalchemy import PrimaryKeyConstraint
from sqlalchemy.engine import URL

from layers.permissions import catalogue_layers_for

VIEW = "catalogue_csw_record"
VERSION = "2.0.2"


def database_url() -> str:
    """Django's own database (the test database under tests), for SQLAlchemy's psycopg2 dialect."""
    db = connection.settings_dict
    return URL.create("postgresql+psycopg2", username=db["USER"] or None, password=db["PASSWORD"] or None,
                      host=db["HOST"] or None, port=int(db["PORT"]) if db["PORT"] else None,
                      database=db["NAME"]).render_as_string(hide_password=False)


class CatalogueRepository(Repository):
    """pycsw's repository over the view. A view has no primary key for SQLAlchemy to map by, so
    the record identifier is declared as one (a fresh constraint per request: each pycsw request
    maps its own table object). pycsw takes any custom repository for a Django one and writes
    filters with Django's placeholders; this one is SQLAlchemy's, and says so."""

    def __init__(self, context, repo_filter=None):
        context.server.orm = "sqlalchemy"
        context.md_core_model = {**context.md_core_model,
                                 "column_constraints": (PrimaryKeyConstraint("identifier"),)}
        super().__init__(database_url(), context, table=VIEW, repo_filter=repo_filter)


def _filter(user) -> str:
    ids = [int(pk) for pk in catalogue_layers_for(user).values_list("pk", flat=True)]
    return f"layer_id IN ({', '.join(map(str, ids))})" if ids else "layer_id IS NULL"


def _config(*, url: str, repo_filter: str) -> dict:
    return {
        "server": {
            "url": url, "mimetype": "application/xml; charset=UTF-8", "encoding": "UTF-8",
            "maxrecords": settings.CATALOGUE_MAX_RECORDS, "pretty_print": False,
            "domainquerytype": "list", "domaincounts": False, "profiles": ["apiso"],
        },
        "logging": {"level": "ERROR"},
        "manager": {"transactions": False, "allowed_ips": []},
        "metadata": {
            "identification": {
                "title": "城市空间地理信息公共服务平台 政务地理信息资源目录",
                "description": "Geoportal resource catalogue: the layers of the city's departments.",
                "keywords": ["政务地理信息资源目录", "catalogue", "Harbin"], "keywords_type": "theme",
                "fees": "None", "accessconstraints": "Records of internal layers are shown to signed-in staff only.",
            },
            "provider": {"name": "Geoportal", "url": settings.CATALOGUE_SITE_URL},
            "contact": {"name": "Geoportal", "position": "", "address": "", "city": "Harbin",
                        "stateorprovince": "Heilongjiang", "postalcode": "", "country": "China", "phone": "",
                        "fax": "", "email": "", "url": settings.CATALOGUE_SITE_URL, "hours": "", "instructions": "",
                        "role": "pointOfContact"},
            "inspire": {"enabled": False},
        },
        "profiles": ["apiso"],
        "repository": {"source": "layers.catalogue.csw.CatalogueRepository", "table": VIEW,
                       "filter": repo_filter, "max_retries": 0},
    }


@dataclass(frozen=True)
class CswResponse:
    status: int
    body: bytes
    content_type: str


def csw_dispatch(*, user, url: str, method: str, query_string: str, body: bytes, environ: dict) -> CswResponse:
    """One CSW request (GET key-value pairs or a POSTed XML document) answered by pycsw."""
    env = {
        "REQUEST_METHOD": method, "QUERY_STRING": query_string, "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": environ.get("wsgi.url_scheme", "http"),
        "SERVER_NAME": environ.get("SERVER_NAME", "localhost"), "SERVER_PORT": str(environ.get("SERVER_PORT", "80")),
        "HTTP_HOST": environ.get("HTTP_HOST", ""), "PATH_INFO": environ.get("PATH_INFO", "/csw"),
        "SCRIPT_NAME": "", "REMOTE_ADDR": environ.get("REMOTE_ADDR", ""),
    }
    server = Csw(_config(url=url, repo_filter=_filter(user)), env, version=VERSION)
    status, content = server.dispatch_wsgi()
    code = int(str(status).split()[0]) if status else 200
    if isinstance(content, str):
        content = content.encode("utf-8")
    content_type = getattr(server, "contenttype", None) or "application/xml; charset=UTF-8"
    return CswResponse(code, content, content_type)
