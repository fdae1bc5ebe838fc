# One image for every LIMS process of deploy/compose.yaml: web (gunicorn), workers, beat,
# and the one-shot migrate/backup/restore commands.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    LIMS_ENV=production LIMS_DATA_DIR=/srv/lims STATIC_ROOT=/srv/lims/static \
    MEDIA_ROOT=/srv/lims/media

# postgresql-client: pg_dump/pg_restore for `manage.py backup` and `restore`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /opt/lims --uid 900 lims

WORKDIR /opt/lims
COPY pyproject.toml README.md ./
COPY extraction ./extraction
COPY lims ./lims
COPY templates ./templates
COPY static ./static
COPY manage.py ./
RUN pip install --no-cache-dir . \
    && mkdir -p /srv/lims/media /srv/lims/static /srv/lims/beat \
    && chown -R lims:lims /srv/lims

USER lims
EXPOSE 8000
CMD ["gunicorn", "lims.config.wsgi:application", "--config", "python:lims.config.gunicorn"]
