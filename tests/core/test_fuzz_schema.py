"""Requests generated from the schema (tests.core.graphql_fuzz) through /graphql/.

As anonymous, a buyer and a seller's staff, against a small catalogue they
can find by ID: no answer is a 500 or an error without a code (nor one whose
code says the server failed), and none takes long. bench/fuzz_bench.py sends many
more of the same against a served app.
"""

import contextlib
import json
import os
import time
import uuid

import pytest
from django.test import Client
from elasticsearch import Elasticsearch
from elasticsearch.dsl import connections
from graphql_relay import to_global_id
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from catalog.models import OcopCertificate, Product
from market.checkout import services as checkout_services
from market.checkout.models import CheckoutLine
from market.core import throttle
from market.schema import schema
from province.models import RegistryEntry
from province.services.registry import registry_import
from search import services as search_services
from search.client import ALIAS
from tests.checkout.factories import ShippingMethodFactory
from tests.checkout.flow import ADDRESS
from tests.core.graphql_fuzz import requests
from tests.factories import (
    CategoryFactory,
    OcopCertificateFactory,
    ProductFactory,
    StockFactory,
    VariantFactory,
)
from tests.orders.factories import fuzz_objects
from tests.payments.graphql_world import fuzz_objects as payment_fuzz_objects
from tests.province.registry_files import csv_bytes, row, upload
from tests.traceability.graphql_world import build_world
from traceability.models import AuditEntry

pytestmark = pytest.mark.django_db

EXAMPLES = 500
# Generous: the first requests also warm the document cache and the search client.
REQUEST_TIME_BOUND_SECONDS = 10


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # tokenCreate and setPassword hash what they are sent; the production hasher is ~0.2 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def private_throttle(settings):
    # Hundreds of sign-in attempts from the test client's one address must not
    # count against other tests, nor linger for the next run.
    settings.THROTTLE_KEY_PREFIX = f"test-fuzz-{uuid.uuid4().hex[:8]}"
    throttle.reset_all()
    yield
    throttle.reset_all()


@pytest.fixture
def search_index(settings):
    """A private index, so that search and suggest run against Elasticsearch for real."""
    prefix = f"test-fuzz-{uuid.uuid4().hex[:12]}"
    settings.SEARCH_INDEX_PREFIX = prefix
    with contextlib.suppress(KeyError):
        connections.remove_connection(ALIAS)
    yield
    with contextlib.suppress(KeyError):
        connections.remove_connection(ALIAS)
    client = Elasticsearch(os.environ["ELASTICSEARCH_URL"])
    names = list(client.indices.get(index=f"{prefix}-*", expand_wildcards="all").keys())
    if names:
        client.indices.delete(index=",".join(names), ignore_unavailable=True)
    client.close()


@pytest.fixture
def known_objects(roles, search_index):
    """Global IDs of a small catalogue around ``roles['seller']``, of its traceability
    records and of the roles' users, and their slugs, codes and emails."""
    parent = CategoryFactory(name="Đặc sản Ninh Thuận")
    child = CategoryFactory(name="Nho sấy", parent=parent)
    own = ProductFactory(seller=roles["seller"], category=child)
    draft = ProductFactory(
        seller=roles["seller"], category=parent, is_published=False, published_at=None
    )
    other = ProductFactory(seller=roles["other_seller"], category=child)
    variants = [VariantFactory(product=product) for product in (own, draft, other)]
    for variant in variants:
        StockFactory(variant=variant)
    certificates = [
        OcopCertificateFactory(product=own),
        OcopCertificateFactory(product=other, status=OcopCertificate.Status.PENDING),
    ]
    world = build_world(roles["seller"])
    search_services.rebuild_index()
    objects = [
        ("Category", parent),
        ("Category", child),
        *(("Product", product) for product in (own, draft, other)),
        *(("ProductVariant", variant) for variant in variants),
        *(("OcopCertificate", certificate) for certificate in certificates),
        ("Seller", roles["seller"]),
        ("Seller", roles["other_seller"]),
        *(("User", roles[name]) for name in ("buyer", "own_staff", "own_owner")),
        ("GrowingArea", world.area),
        ("GrowingArea", world.pending_area),
        ("PackingHouse", world.house),
        ("GapCertificate", world.certificate),
        ("Lot", world.lot),
        ("TraceEvent", world.harvest),
        ("Violation", world.violation),
        ("Inspection", world.violation.inspection),
        *(("AuditEntry", entry) for entry in AuditEntry.objects.all()),
        ("ShippingMethod", ShippingMethodFactory(seller=roles["seller"])),
        ("ShippingMethod", ShippingMethodFactory(seller=roles["seller"], is_active=False)),
    ]
    order_objects, order_texts = fuzz_objects(roles)
    objects += order_objects
    payment_objects, payment_texts = payment_fuzz_objects(roles)
    objects += payment_objects
    # The department's registry: an entry matched to a certificate, one not, their import.
    registry = csv_bytes([row(certificates[0].certificate_number), row("DEMO-NT-FUZZ-0001")])
    imported = registry_import(by=None, file=upload(registry), dry_run=False)
    objects += [("OcopRegistryEntry", entry) for entry in RegistryEntry.objects.all()]
    objects.append(("OcopRegistryImportRecord", imported.record))
    # Checkouts are found by token: a guest's and a buyer's, with lines as mutation arguments.
    guest = checkout_services.checkout_create(
        by=None,
        lines=[{"variant_id": variants[0].pk, "quantity": 1}],
        email="khach@example.vn",
        shipping_address=ADDRESS,
    )
    mine = checkout_services.checkout_create(
        by=roles["buyer"], lines=[{"variant_id": variants[2].pk, "quantity": 1}]
    )
    objects += [("CheckoutLine", line) for line in CheckoutLine.objects.all()]
    ids = {to_global_id(type_name, item.pk) for type_name, item in objects}
    texts = {
        getattr(item, "slug", None) or getattr(item, "code", None) or getattr(item, "email", "")
        for _, item in objects
    }
    texts |= order_texts | payment_texts | {str(guest.token), str(mine.token), "cod"}
    return ids, texts - {""}


def error_problems(body: dict) -> list[str]:
    problems = []
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if not isinstance(code, str) or not code:
            problems.append(f"error without a code: {error}")
        elif code == "INTERNAL_ERROR":
            problems.append(f"the server failed: {error}")
    return problems


def test_generated_requests_never_fail_the_server(
    roles, auth_headers, known_objects, private_throttle
):
    client = Client()
    headers = {role: auth_headers(roles[role]) for role in ("anonymous", "buyer", "own_staff")}

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )
    @given(requests(schema.graphql_schema, *known_objects))
    def send(request):
        sent.append(request.role)
        started = time.perf_counter()
        # A failure that escapes the view is re-raised here by the test client.
        response = client.post(
            "/graphql/",
            json.dumps(request.body()),
            content_type="application/json",
            **headers[request.role],
        )
        elapsed = time.perf_counter() - started
        assert response.status_code < 500, response.content
        assert response["Content-Type"].startswith("application/json")
        assert error_problems(response.json()) == []
        assert elapsed < REQUEST_TIME_BOUND_SECONDS

    sent = []
    send()

    assert len(sent) >= EXAMPLES
    assert set(sent) == {"anonymous", "buyer", "own_staff"}

    # Every mutation ran in its own savepoint: the test's transaction is still usable.
    assert Product.objects.filter(seller=roles["other_seller"]).exists()
    response = client.post("/graphql/", {"query": "{ shop { name } }"}, "application/json")
    assert response.status_code == 200
    assert "errors" not in response.json()
