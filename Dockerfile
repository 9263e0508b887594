# Container image for the grants API.
#
#   docker build -t grants .
#   docker run -e GRANTS_DATABASE_URL=postgresql://user:pass@host:5432/db \
#              -e GRANTS_ENVIRONMENT=production -e GRANTS_SECRET_KEY=... \
#              -e GRANTS_AUDIT_SIGNING_KEY=$(openssl rand -hex 32) \
#              -v grants-data:/app/var -p 8000:8000 grants
#
# Without GRANTS_DATABASE_URL the app starts its embedded PostgreSQL under /app/var, so
# mount a volume there to keep the data. compose.yaml runs it with a separate database.
#
# Two stages: the builder resolves and installs everything into a virtualenv at /opt/venv;
# the runtime stage copies only that venv, so no build tooling or pip cache ships.

# Builder and runtime must use the same base: the venv's interpreter is a symlink to the
# base image's /usr/local/bin/python. Both stages start FROM this one stage, so they cannot
# drift apart. 3.11 matches the interpreter requirements.lock was resolved with.
#
# Pinned by digest, so every build starts from the same bytes whatever the tag points at
# today. The digest is the multi-platform index of python:3.11-slim-bookworm (Python
# 3.11.16; amd64, arm32v7, arm64v8, i386, ppc64le) as recorded by the image's publisher in
# docker-library/repo-info, repos/python/remote/3.11-slim-bookworm.md (commit bc9bbb47,
# image built 2026-08-25); docker-library/official-images library/python lists the tag for
# those five architectures. To update: `docker buildx imagetools inspect
# python:3.11-slim-bookworm` and replace the digest (see docs/deployment.md).
# ------------------------------------------------------------------------------- base
FROM python:3.11-slim-bookworm@sha256:fe556eaffd0d96abd8685b83bb8a69addd0dc730fa193669a7df0d49ddcfac02 AS base

# ---------------------------------------------------------------------------- builder
FROM base AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /src

# Dependencies first, in their own layer, so that a source change does not reinstall them.
# The runtime dependency list is read from pyproject.toml (tomllib is in the standard
# library) and pinned by the constraints file; dev extras are never installed.
# Every pinned dependency ships manylinux wheels, so no compiler is needed here.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -c requirements.lock -r /tmp/requirements.txt

# The package itself, non-editable: the wheel carries migrations/ and templates/ as
# grants/_migrations and grants/_templates (see pyproject.toml), so the source tree is not
# needed at run time. README.md is the project's readme and must exist for the build.
COPY README.md ./
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
RUN pip install -c requirements.lock . \
 && pip check

# ---------------------------------------------------------------------------- runtime
FROM base AS runtime

# WeasyPrint loads Pango, HarfBuzz (+ its subsetter, for small embedded fonts) and
# fontconfig through cffi at import time; without them `import weasyprint` fails.
# `fontconfig` builds the system font cache at install, so the unprivileged user never
# has to; DejaVu and Liberation (metric-compatible with Arial/Times/Courier) give PDFs
# real glyphs instead of empty boxes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fontconfig \
        fonts-dejavu-core \
        fonts-liberation2 \
 && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged uid: the app never needs root, and the embedded PostgreSQL
# (used when GRANTS_DATABASE_URL is unset) refuses to run as root anyway.
RUN groupadd --system --gid 10001 grants \
 && useradd --system --uid 10001 --gid grants --create-home --home-dir /home/grants \
        --shell /usr/sbin/nologin grants

# Owned by root and so read-only for the app user: the code cannot be modified at run time.
COPY --from=builder /opt/venv /opt/venv

# PYTHONDONTWRITEBYTECODE: the venv is read-only for the app user, so skip futile .pyc writes.
# GRANTS_DATA_DIR: absolute, so it does not depend on the working directory.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GRANTS_DATA_DIR=/app/var \
    GRANTS_LOG_FORMAT=json

WORKDIR /app

# Created here and owned by the app user: an empty named volume mounted on /app/var is
# initialised from this directory, ownership included, so the app can write to it.
RUN mkdir -p /app/var && chown grants:grants /app/var

USER grants

EXPOSE 8000

# Ready = the process answers and the database answers (503 otherwise, which urlopen
# raises as an error, so the exit status is 1). Python instead of curl: nothing extra to
# install. start-period covers the migrations that `grants serve` runs before it listens.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=3)"]

# Exec form, so the server gets SIGTERM directly. Workers come from GRANTS_WORKERS
# (default 1). `grants serve` applies pending migrations before it starts serving.
CMD ["grants", "serve", "--host", "0.0.0.0", "--port", "8000"]
