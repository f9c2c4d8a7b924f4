# Flexblock API image: `docker build -t flexblock .`, or `docker compose up` (see docs/deployment.md).
#
# Layers are ordered so that editing the code does not reinstall the dependencies (OR-Tools alone is
# ~100 MB): the dependency list is read out of pyproject.toml first and installed on its own, then the
# package itself is installed with --no-deps.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# The service runs as this unprivileged user; the code it runs stays owned by root, so a compromised
# process cannot rewrite it.
RUN groupadd --system --gid 10001 flexblock \
    && useradd --system --uid 10001 --gid flexblock --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin flexblock \
    && python -m venv "$VIRTUAL_ENV"

WORKDIR /src

# 1. Dependencies only, straight from [project].dependencies (cached until pyproject.toml changes).
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], \
        sep='\n')" > requirements.txt \
    && pip install -r requirements.txt

# 2. The package (no test extras). The Alembic migrations ship inside it (scheduler/storage/migrations).
COPY scheduler/ scheduler/
RUN pip install --no-deps . \
    && cd / && rm -rf /src

# 3. Runtime: /app is the working directory, so `scheduler serve --demo` finds fixtures/riverside-ms.json
#    (its default --demo-school is relative), and the default sqlite:///flexblock.db lands here too.
WORKDIR /app
COPY fixtures/ fixtures/
RUN chown flexblock:flexblock /app

USER flexblock

EXPOSE 8000

# No curl in the slim image: Python's urllib does it. urlopen raises on any non-2xx answer or no answer,
# which exits non-zero; /healthz also runs `SELECT 1`, so a lost database shows as unhealthy.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# One process: the solve worker pool lives in the API process (see docs/deployment.md).
CMD ["scheduler", "serve", "--host", "0.0.0.0", "--port", "8000"]
