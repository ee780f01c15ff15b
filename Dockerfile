# The drop-folder service; `docker compose up -d` builds and runs it. To run the tests inside it:
#   INSTALL_DEV=true docker compose build app
#   docker compose run --rm -e TEST_DATABASE_URL=postgresql://app:app@postgres:5432/dropfolder app pytest
# PYTHON_IMAGE can name any Debian-based image with Python 3.11 and its venv module, e.g. a locally built
# stand-in when no registry is reachable (see tests/docker_smoke.sh).
ARG PYTHON_IMAGE=python:3.11-slim

# ---- venv: the dependencies from Pipfile.lock, in a layer that only Pipfile/Pipfile.lock (and the args) change.
FROM ${PYTHON_IMAGE} AS venv
ARG PIPENV_VERSION=2026.10.3
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIPENV_VENV_IN_PROJECT=1 \
    PIPENV_NOSPIN=1 \
    PIPENV_YES=1
SHELL ["/bin/sh", "-eu", "-c"]
# pipenv gets a venv of its own, so it works whatever pip policy the base image has (PEP 668) and stays out of
# the final image.
RUN python3 -m venv /opt/pipenv \
    && /opt/pipenv/bin/pip install "pipenv==${PIPENV_VERSION}"
WORKDIR /app
COPY Pipfile Pipfile.lock ./
# Declared here, not above, so that switching it reuses the pipenv layer.
ARG INSTALL_DEV=false
# --deploy fails if Pipfile.lock is out of date instead of re-locking; the venv lands in /app/.venv.
RUN if [ "${INSTALL_DEV}" = "true" ]; then \
        /opt/pipenv/bin/pipenv install --deploy --dev --python "$(command -v python3)"; \
    else \
        /opt/pipenv/bin/pipenv install --deploy --python "$(command -v python3)"; \
    fi \
    && /app/.venv/bin/python -c "import alembic, asyncpg, pydantic_settings, sqlalchemy, watchfiles"

# ---- app: the service itself, run as a non-root user.
FROM ${PYTHON_IMAGE} AS app
ARG APP_UID=10001
# The last two matter only in an image built with INSTALL_DEV=true: the test tools keep their caches in a
# writable place, since /app belongs to root and compose may run the container under another uid.
# EMBEDDED_POSTGRES=false: without DB_STRING the service refuses to start instead of starting a throw-away Postgres.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    EMBEDDED_POSTGRES=false \
    VIRTUAL_ENV=/app/.venv \
    PATH=/app/.venv/bin:${PATH} \
    PYTEST_ADDOPTS="-p no:cacheprovider" \
    HYPOTHESIS_STORAGE_DIRECTORY=/tmp/.hypothesis
SHELL ["/bin/sh", "-eu", "-c"]
RUN groupadd --system --gid "${APP_UID}" app \
    && useradd --system --uid "${APP_UID}" --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=venv /app/.venv /app/.venv
# pyproject.toml (pytest's settings), Pipfile and README.md are read by tests only, and are small.
COPY main.py alembic.ini pyproject.toml Pipfile README.md ./
COPY alembic/ alembic/
COPY core/ core/
COPY models/ models/
COPY services/ services/
COPY sql/ sql/
COPY bench/ bench/
COPY tests/ tests/
# The folders the service writes to (compose bind-mounts the host's over them).
RUN mkdir -p imports exports logs \
    && chown app:app imports exports logs
USER ${APP_UID}:${APP_UID}
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["python", "main.py", "--health"]
CMD ["python", "main.py", "--watch", "imports"]
