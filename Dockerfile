# One image for web (gunicorn), worker and beat. Build: docker build -t elettro .
# ---- build: compile wheels with the toolchain, then leave the toolchain behind
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
COPY requirements/ /tmp/requirements/
RUN pip wheel --wheel-dir /wheels -r /tmp/requirements/production.txt

# ---- runtime
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=elettro.settings.production PORT=8000
# WeasyPrint needs pango; chromium renders chart images for PDF reports; fonts cover ₹ and Indian names.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core fonts-noto-core chromium curl \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system elettro && useradd --system --gid elettro --home /app --shell /usr/sbin/nologin elettro
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links /wheels /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY --chown=elettro:elettro . /app
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0
RUN mkdir -p /app/media /app/.data && chown -R elettro:elettro /app/media /app/.data
USER elettro
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD curl -fsS -H "Host: ${BASE_DOMAIN:-localhost}" http://127.0.0.1:${PORT}/health/ || exit 1
CMD ["sh", "-c", "gunicorn elettro.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --timeout 60"]
