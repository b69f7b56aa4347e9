"""The verified-origin caches: ``Lot.origin_verified`` and ``Product.origin_verified``.

Whatever can move the rule (a site's status, a violation, a broken chain, quantities,
best-before passing) calls ``origin_refresh`` in its own transaction, so GraphQL shows
the change at once and search hears of it through the outbox after the commit. The rule
itself is in ``traceability.selectors``; this module stores what it says.

The cost does not grow with the number of lots: the lots made from the given ones come
from one recursive query, the reasons from two, the changed lots are written in one
UPDATE and the products' flags from one aggregate query.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from catalog.models import Product
from market.core import changes
from market.core.transactions import service_transaction
from traceability import selectors
from traceability.models import Lot

# Lots refreshed per transaction by the daily expiry run.
EXPIRY_BATCH_SIZE = 1000


@service_transaction
def origin_refresh(*, lot_ids: Iterable[int]) -> None:
    """Recompute these lots, every lot made from them, and the products of all of them.

    Runs in the caller's transaction. The lots' and products' rows are locked (in id
    order, so two refreshes cannot deadlock each other) before the rule is read: a
    refresh that waited then reads what the other one committed, and two auditors
    reinstating two input areas at once cannot both leave a lot unverified.
    """
    ids = selectors.lot_ids_descending_from(lot_ids)
    if not ids:
        return
    locked = Lot.objects.filter(pk__in=ids).order_by("pk").select_for_update()
    current = {
        pk: (verified, problems, product_id)
        for pk, verified, problems, product_id in locked.values_list(
            "pk", "origin_verified", "origin_problems", "product_id"
        )
    }
    problems = selectors.origin_problems_of(current)
    changed = []
    for pk, found in problems.items():
        verified, stored, _ = current[pk]
        if verified != (not found) or stored != found:
            changed.append(Lot(pk=pk, origin_verified=not found, origin_problems=found))
    if changed:
        Lot.objects.bulk_update(changed, ["origin_verified", "origin_problems"])
    _refresh_products({product_id for _, _, product_id in current.values()})


def origin_refresh_for_sites(*, site_ids: Iterable[int]) -> None:
    """Refresh every lot grown in or packed at these sites, and what was made from them."""
    origin_refresh(lot_ids=selectors.lot_ids_from_sites(site_ids))


def origin_refresh_expired() -> int:
    """Mark the lots whose best-before has passed; returns how many were refreshed.

    For the daily task: each batch is its own transaction, so a large day does not hold
    thousands of locks at once, and a batch that fails leaves the others done.
    """
    today = timezone.localdate()
    done = last_pk = 0
    while True:
        with transaction.atomic():
            # Walked by id: a lot refreshed by an earlier batch may still match.
            ids = list(
                selectors.lots_to_refresh_for_expiry(today=today)
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", flat=True)[:EXPIRY_BATCH_SIZE]
            )
            if not ids:
                return done
            origin_refresh(lot_ids=ids)
        done += len(ids)
        last_pk = ids[-1]


def _refresh_products(product_ids: set[int]) -> None:
    """Set each product's flag from its lots, recording those that changed for search."""
    if not product_ids:
        return
    products = Product.objects.filter(pk__in=product_ids).order_by("pk")
    list(products.select_for_update().values_list("pk", flat=True))
    rows = list(
        products.annotate(verified_now=selectors.product_origin_verified()).values_list(
            "pk", "origin_verified", "verified_now"
        )
    )
    gained = [pk for pk, before, now in rows if now and not before]
    lost = [pk for pk, before, now in rows if before and not now]
    # ``updated_at`` too: feed consumers pull with ``updated_since``.
    now = timezone.now()
    if gained:
        Product.objects.filter(pk__in=gained).update(origin_verified=True, updated_at=now)
    if lost:
        Product.objects.filter(pk__in=lost).update(origin_verified=False, updated_at=now)
    changes.change_record(topic=changes.PRODUCT, object_ids=gained + lost)
