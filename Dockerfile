FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
RUN useradd --system --create-home market
COPY pyproject.toml README.md ./
COPY market ./market
COPY catalog ./catalog
COPY payments ./payments
COPY traceability ./traceability
COPY search ./search
# The compiled message catalogs (Vietnamese, English): no gettext tools needed here.
COPY locale ./locale
COPY manage.py ./
# collectstatic loads the settings, which refuse DEBUG=false without a real key:
# a throwaway one serves for this build step only (the container's comes from SECRET_KEY).
RUN pip install --no-cache-dir . \
    && SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
       python manage.py collectstatic --noinput
USER market
EXPOSE 8000
CMD ["gunicorn", "market.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
