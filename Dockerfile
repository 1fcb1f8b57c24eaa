# arize-mcp as an HTTP service. Build: docker build -t arize-mcp .
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --gid 10001 app && useradd --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /src
COPY pyproject.toml README.md ./
COPY arize_mcp ./arize_mcp
RUN pip install . && rm -rf /src

WORKDIR /
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["arize-mcp"]
CMD ["--transport", "http", "--host", "0.0.0.0", "--port", "8000", "--stateless"]
