# The two commands: `make run` (embedded defaults) and `make test` (real services).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# The services that scripts/services.sh starts, as the tests see them.
TEST_ENV := \
	DATABASE_URL=postgres://market:market@127.0.0.1:5433/market \
	REDIS_URL=redis://127.0.0.1:6379/0 \
	ELASTICSEARCH_URL=http://127.0.0.1:9200 \
	STRIPE_API_BASE=http://127.0.0.1:12111 \
	STRIPE_SECRET_KEY=sk_test_ocop \
	SECRET_KEY=test-suite-only-key-public-in-the-makefile-never-for-production \
	SEARCH_INDEX_PREFIX=test-ocop \
	CELERY_TASK_ALWAYS_EAGER=true \
	PAYMENT_SANDBOXES=true \
	CSRF_COOKIE_SECURE=false \
	MEDIA_ROOT=$(CURDIR)/.cache/test-media

.PHONY: install run test services lint schema clean

$(BIN)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# The embedded default is a developer's machine: DEBUG on, which also allows the
# built-in development SECRET_KEY and the demo accounts (see README).
run: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py load_demo
	@echo "GraphiQL: http://$(HOST):$(PORT)/graphql/   health: http://$(HOST):$(PORT)/health/"
	@echo "Payment sandboxes: http://$(HOST):$(PORT)/sandbox/ (see the README's payment example)"
	# The sandboxes send their notifications and the buyer back to this server.
	DEBUG=true PAYMENT_CALLBACK_BASE_URL=http://$(HOST):$(PORT) \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)

services:
	scripts/services.sh up

test: install services
	env $(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

schema: install
	DEBUG=true $(BIN)/python manage.py export_schema

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
