# Production image: non-root, runs migrations, then uvicorn with WORKERS workers.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ENVIRONMENT=production HOST=0.0.0.0 PORT=8000 WORKERS=2
WORKDIR /app
# DejaVu Sans: the letter-code PDF prints Swedish, Arabic and Persian titles with it (app/surveys/letters.py)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*

# The locked dependencies first (their layer is reused while only the app changes), every file checked by hash.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-deps -e .

COPY migrations ./migrations
COPY frontend ./frontend

RUN useradd --system --uid 10001 --home /app trygg && mkdir -p /app/var && chown trygg /app/var
USER trygg

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz')"
CMD ["sh", "-c", "python -m app migrate && exec python -m app serve --host \"$HOST\" --port \"$PORT\" --workers \"$WORKERS\""]
