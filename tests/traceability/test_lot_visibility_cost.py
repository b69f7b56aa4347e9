"""What it costs to tell whether one lot is public, and the resolver's queries.

The public sees a lot when it, or a lot made from it however many transformations down,
belongs to a live product (``selectors.lots_visible_to``). Checking ONE lot walks down
from that lot only: one query, at any depth, whatever the number of lots on sale.
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import GrowingAreaFactory, MembershipFactory, ProductFactory, SellerFactory
from tests.traceability import resolver_setup
from tests.traceability.trace_setup import harvested_lot, made_from
from traceability import selectors
from traceability.models import LotInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """Fresh grapes (a draft product) made into raisins (draft), packed as a live product;
    beside them a lot of a draft product made into nothing, and one sold on its own."""
    seller = SellerFactory()
    area = GrowingAreaFactory(seller=seller)
    draft = ProductFactory(seller=seller, is_published=False)
    fresh = harvested_lot(growing_area=area, product=draft, seller=seller)
    raisins = made_from([fresh], product=ProductFactory(seller=seller, is_published=False))
    packed = made_from([raisins], product=ProductFactory(seller=seller))
    unsold = harvested_lot(growing_area=area, product=draft, seller=seller)
    sold = harvested_lot(growing_area=area, seller=seller)
    return {"fresh": fresh, "raisins": raisins, "packed": packed, "unsold": unsold, "sold": sold}


def test_one_lot_is_public_exactly_when_the_list_shows_it(chain):
    anonymous = AnonymousUser()
    public = set(selectors.lots_visible_to(anonymous))
    assert public == {chain["fresh"], chain["raisins"], chain["packed"], chain["sold"]}
    for lot in chain.values():
        assert selectors.lot_is_public(lot.pk) == (lot in public), lot.code
        assert (selectors.lot_visible_to(anonymous, lot.pk) == lot) == (lot in public), lot.code


def test_the_walk_down_ends_on_a_cycle_of_inputs(chain):
    # Not something the services record, but a loop in the data must not hang a request.
    fresh, unsold = chain["fresh"], chain["unsold"]
    event = chain["raisins"].events.get()
    for lot, source in ((fresh, unsold), (unsold, fresh)):
        LotInput.objects.create(lot=lot, source=source, quantity_kg=Decimal("1"), event=event)
    assert selectors.lot_is_public(unsold.pk) is True
    assert selectors.lot_visible_to(AnonymousUser(), unsold.pk) == unsold


def test_one_lot_costs_one_query_at_any_depth(chain):
    counts = []
    for name in ("packed", "raisins", "fresh", "unsold"):
        with CaptureQueriesContext(connection) as queries:
            selectors.lot_visible_to(AnonymousUser(), chain[name].pk)
        counts.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            selectors.lot_is_public(chain[name].pk)
        counts.append(len(queries))
    assert counts == [1] * 8


def test_staff_see_their_own_hidden_lot_in_one_query_once_their_sellers_are_known(chain):
    staff = MembershipFactory(seller=chain["unsold"].seller).user
    stranger = MembershipFactory().user
    for user in (staff, stranger):
        selectors.lots_visible_to(user)  # their sellers, read once per user object
    with CaptureQueriesContext(connection) as queries:
        assert selectors.lot_visible_to(staff, chain["unsold"].pk) == chain["unsold"]
        assert selectors.lot_visible_to(stranger, chain["unsold"].pk) is None
    assert len(queries) == 2


@pytest.mark.parametrize("accept", ["application/ld+json", "text/html"])
def test_the_resolver_answers_in_three_queries_and_a_made_lot_in_four(settings, accept):
    # The lot with what its page names, whether it is public, its stars and whether it has
    # inputs; its areas' certificates; its timeline. Its origin is the stored one. A lot
    # made from others adds one query for its inputs, however many levels down.
    settings.TRACE_RESOLVER_BASE = "https://truyxuat.ocop-ninhthuan.vn"
    gtin = resolver_setup.gtin14("0893612345009")
    lot = resolver_setup.fresh_lot(code="NT25-DEM-0001", gtin=gtin)
    dried, _first, _second = resolver_setup.dried_lot(code="NT25-DEM-0002", gtin=gtin)
    client = Client()
    counts = []
    for made in (lot, dried):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/01/{gtin}/10/{made.code}", HTTP_ACCEPT=accept)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts == [3, 4]
