"""The verified-origin rule of lots and products."""

from collections.abc import Iterable

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from traceability.models import Lot, Site, Violation
from traceability.selectors.provenance import lot_inputs_in_provenance

# ---------------------------------------------------------------------------
# The verified-origin rule
#
# A lot's origin is verified when its growing area and packing house, and those of every
# lot it was made from, are active; its chain verifies; no violation is open on it (or on
# its area or packing house as a whole, as a failed inspection opens), nor on a lot it was
# made from; it is not past best-before; and something was harvested. A product is
# verified while one of its verified lots has quantity left. ``Lot.origin_verified`` and
# ``Product.origin_verified`` cache it (``traceability.services.origin``).

# In the order reasons are listed.
ORIGIN_PROBLEMS = (
    "NO_AREA",
    "AREA_PENDING",
    "AREA_SUSPENDED",
    "AREA_REVOKED",
    "PACKING_HOUSE_PENDING",
    "PACKING_HOUSE_SUSPENDED",
    "PACKING_HOUSE_REVOKED",
    "INPUT_AREA_PENDING",
    "INPUT_AREA_SUSPENDED",
    "INPUT_AREA_REVOKED",
    "INPUT_PACKING_HOUSE_PENDING",
    "INPUT_PACKING_HOUSE_SUSPENDED",
    "INPUT_PACKING_HOUSE_REVOKED",
    "CHAIN_BROKEN",
    "OPEN_VIOLATION",
    "INPUT_OPEN_VIOLATION",
    "EXPIRED",
    "NOT_HARVESTED",
)
_PROBLEM_ORDER = {code: index for index, code in enumerate(ORIGIN_PROBLEMS)}


def _open_violations_touching_lot() -> Q:
    """An open violation on the lot itself, or on its area or packing house as a whole.

    Written as membership in the (few) open violations' lots and sites rather than as
    correlated ``EXISTS``: the database hashes each set once, where a subquery per lot
    would be run for every row of a large table. The filter and the annotation
    (``open_violation_of_lot``) both derive from this one condition.
    """
    open_violations = Violation.objects.filter(status=Violation.Status.OPEN)
    open_sites = open_violations.filter(lot__isnull=True).values("site_id")
    return (
        Q(pk__in=open_violations.filter(lot__isnull=False).values("lot_id"))
        | Q(growing_area_id__in=open_sites)
        | Q(packing_house_id__in=open_sites)
    )


def open_violation_of_lot() -> ExpressionWrapper:
    """The same rule as a column of each lot: true, or false or null (no open violation)."""
    return ExpressionWrapper(_open_violations_touching_lot(), output_field=BooleanField())


def lots_with_open_violations(lots: QuerySet[Lot] | None = None) -> QuerySet[Lot]:
    """Lots with an open violation of their own or of their area or packing house."""
    return (Lot.objects.all() if lots is None else lots).filter(_open_violations_touching_lot())


def _site_problems(status: str | None, *, role: str) -> list[str]:
    if status is None or status == Site.Status.ACTIVE:
        return []
    return [f"{role}_{status.upper()}"]


def origin_problems_of(lot_ids: Iterable[int], *, today=None) -> dict[int, list[str]]:
    """Why each lot's origin is not verified (empty: verified), in two queries."""
    today = today or timezone.localdate()
    ids = {int(pk) for pk in lot_ids}
    inputs = lot_inputs_in_provenance(ids)
    every_id = ids.union(*inputs.values())
    rows = {
        row["pk"]: row
        for row in Lot.objects.filter(pk__in=every_id)
        .annotate(open_violation=open_violation_of_lot())
        .values(
            "pk",
            "growing_area_id",
            "growing_area__status",
            "packing_house__status",
            "chain_broken_at",
            "best_before",
            "harvested_kg",
            "open_violation",
        )
    }
    problems: dict[int, list[str]] = {}
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            continue
        found = set(_site_problems(row["growing_area__status"], role="AREA"))
        found.update(_site_problems(row["packing_house__status"], role="PACKING_HOUSE"))
        if row["growing_area_id"] is None and not inputs[pk]:
            found.add("NO_AREA")
        for source_id in inputs[pk]:
            source = rows[source_id]
            found.update(_site_problems(source["growing_area__status"], role="INPUT_AREA"))
            found.update(
                _site_problems(source["packing_house__status"], role="INPUT_PACKING_HOUSE")
            )
            if source["open_violation"]:
                found.add("INPUT_OPEN_VIOLATION")
        if row["chain_broken_at"] is not None:
            found.add("CHAIN_BROKEN")
        if row["open_violation"]:
            found.add("OPEN_VIOLATION")
        if row["best_before"] is not None and row["best_before"] < today:
            found.add("EXPIRED")
        if not row["harvested_kg"]:
            found.add("NOT_HARVESTED")
        problems[pk] = sorted(found, key=_PROBLEM_ORDER.__getitem__)
    return problems


def lot_origin_problems(lot: Lot, *, today=None) -> list[str]:
    """The lot's reasons as ``origin_refresh`` stored them (no query), with ``EXPIRED``
    read from the date itself: between midnight and the daily refresh
    (``lots_to_refresh_for_expiry``) the stored list does not say it yet."""
    today = today or timezone.localdate()
    found = set(lot.origin_problems or ())
    if lot.best_before is not None and lot.best_before < today:
        found.add("EXPIRED")
    return sorted(found & set(ORIGIN_PROBLEMS), key=_PROBLEM_ORDER.__getitem__)


def lots_counting_for_origin(lots: QuerySet[Lot] | None = None) -> QuerySet[Lot]:
    """Lots that make their product verified: verified origin and quantity left."""
    return (Lot.objects.all() if lots is None else lots).filter(
        origin_verified=True, remaining_kg__gt=0
    )


def product_origin_verified():
    """The product rule as an expression, for one aggregate query over many products."""
    return Exists(lots_counting_for_origin().filter(product=OuterRef("pk")))


def lots_to_refresh_for_expiry(*, today=None) -> QuerySet[Lot]:
    """Lots past best-before whose cached origin does not say so yet."""
    today = today or timezone.localdate()
    # ``icontains`` on the JSON text, quotes included, matches the code "EXPIRED" alone (not
    # "INPUT_EXPIRED") and works on SQLite too, where JSON ``contains`` does not.
    return Lot.objects.filter(best_before__lt=today).exclude(origin_problems__icontains='"EXPIRED"')


# Why a product is not verified: no lot at all, or no verified lot with quantity left and
# then the reasons of its lots that still have some (or that nothing is left of any).
PRODUCT_ORIGIN_PROBLEMS = ("NO_LOT", "NOTHING_LEFT", *ORIGIN_PROBLEMS)


def product_origin_reasons(product_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each product's reasons (empty when verified), from the lots' cached origins."""
    ids = {int(pk) for pk in product_ids}
    rows: dict[int, list[tuple]] = {pk: [] for pk in ids}
    for product_id, verified, remaining, problems in Lot.objects.filter(
        product_id__in=ids
    ).values_list("product_id", "origin_verified", "remaining_kg", "origin_problems"):
        rows[product_id].append((verified, remaining, problems))
    reasons: dict[int, list[str]] = {}
    for pk, lots in rows.items():
        with_quantity = [(verified, problems) for verified, left, problems in lots if left]
        if not lots:
            reasons[pk] = ["NO_LOT"]
        elif any(verified for verified, _ in with_quantity):
            reasons[pk] = []
        elif not with_quantity:
            reasons[pk] = ["NOTHING_LEFT"]
        else:
            found = {code for _, problems in with_quantity for code in problems or ()}
            reasons[pk] = sorted(found & set(ORIGIN_PROBLEMS), key=_PROBLEM_ORDER.__getitem__)
    return reasons
