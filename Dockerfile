# misusewatch: the scheduler and the dashboard (docker-compose.yml runs both from this image).
FROM python:3.11-slim

# CPU-only torch: the PyPI default build for Linux bundles CUDA (several GB) that the
# detectors never use in a container; the pinned torch==2.13.0 resolves to 2.13.0+cpu here.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu

WORKDIR /app

# Dependencies first, in their own layer, so editing the code does not reinstall torch.
COPY pyproject.toml README.md ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# The project itself. The working directory keeps what is read from the current directory
# at run time: models/, sources.toml, misusewatch.toml, scrapy.cfg.
COPY . .
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 misusewatch \
    && mkdir -p /app/var && chown misusewatch /app/var

USER misusewatch
# var/ holds the scheduler's job store and any local state; docker-compose mounts a volume.
VOLUME ["/app/var"]

# A threat-intelligence tool phones nowhere: no Streamlit usage statistics, no browser.
ENV STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_SERVER_HEADLESS=true

EXPOSE 8501
CMD ["misusewatch", "--help"]
