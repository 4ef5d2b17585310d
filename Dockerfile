# One image for the web service, the Celery worker and the migrate step.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=mobility.settings \
    NUMBA_CACHE_DIR=/app/var/numba-cache

RUN apt-get update \
 && apt-get install -y --no-install-recommends libexpat1 postgresql-client \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY mobility ./mobility
COPY api ./api
COPY gtfs ./gtfs
COPY rides ./rides
COPY carsharing ./carsharing
COPY journeys ./journeys
COPY stats ./stats
COPY web ./web
COPY manage.py ./
RUN pip install --upgrade pip && pip install .

# Static files are collected at build time (WhiteNoise serves them; no CDN).
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only-not-secret-build-only-not-secret-000000 \
    DJANGO_ALLOWED_HOSTS=build STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput -v 0

RUN useradd --system --uid 10001 mobility && mkdir -p /app/var && chown -R mobility /app/var
USER mobility
EXPOSE 8000
CMD ["uvicorn", "mobility.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "4", "--proxy-headers"]
