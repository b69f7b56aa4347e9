"""What every checkout service shares: who reaches a checkout, the line limits, which
variants can be bought, and the stock reservations.

Access. A guest's checkout (no user) is reached by its token alone: the token is an
unguessable UUID4 and whoever holds it acts on the checkout. A checkout with a user is
that user's only; operators may read it (``read=True``) but not change it. Everyone
else gets the same ``NOT_FOUND`` as for a token that matches nothing, so a token never
tells whether a checkout exists. A token that is no UUID at all is ``INVALID_TOKEN``.

Reservations. Each line holds a ``Reservation`` of its quantity on its variant's stock
until ``now + CHECKOUT_RESERVATION_MINUTES``. Every write to a checkout renews the
reservations of all its lines (the buyer is still shopping); reads do not, so polling a
checkout holds nothing. A line being added or changed must fit in what is left:
``quantity - quantity_allocated - units held by other checkouts' live reservations``,
read under the stock rows' locks (taken in primary-key order, as orders' allocation
takes them, so no two writers deadlock); the other lines are renewed where they still
fit and otherwise keep their lapsed reservation, which holds nothing. Completion checks
the stock again under the same locks (``market.orders.services.placement``).
"""

import datetime
import uuid
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, router
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductVariant, Stock, live_product_ids_sql
from market.checkout.models import Checkout, CheckoutDelivery, CheckoutLine, Reservation
from market.checkout.selectors import (
    checkout_lines,
    may_act_on,
    parse_token,
    units_held_elsewhere,
)
from market.core.errors import DomainError, DomainErrors, NotFound, PermissionDenied
from market.core.permissions import is_operator, is_row_id
from market.core.sql import (
    ModelColumns,
    instances_for_ids,
    instances_insert,
    row_update,
    sql_table,
)
from market.orders.services.allocation import stocks_locked

# A line's quantity: a household's order, not a wholesale lot (sellers sell those
# directly); more is refused rather than reserving a seller's whole stock.
MAX_LINE_QUANTITY = 1_000
# Distinct variants in one checkout.
MAX_LINES = 100


def checkout_not_found() -> NotFound:
    return NotFound(_("No checkout has this token."), field="token")


def checkout_fetch(by, token, *, lock: bool = True, read: bool = False) -> Checkout:
    """The checkout ``token`` names, if ``by`` may reach it (see the module's docstring);
    ``lock`` takes its row lock for the caller's transaction, so two writes to one
    checkout (two tabs) follow each other."""
    checkout = checkout_row(parse_token(token), lock=lock)
    if checkout is None:
        raise checkout_not_found()
    if may_act_on(by, checkout):
        return checkout
    if is_operator(by):
        if read:
            return checkout
        raise PermissionDenied(_("Operators may read a buyer's checkout, not change it."))
    raise checkout_not_found()


def checkout_row(token: uuid.UUID, *, lock: bool) -> Checkout | None:
    """The checkout whose token is ``token``, or None. ``lock`` takes its row lock by
    touching its ``updated_at`` (one ``UPDATE … RETURNING``): only the flow's writes lock a
    checkout, so the lock and the write's touch are one statement, not two. Written as SQL:
    every write of the flow starts with it."""
    connection = connections[router.db_for_write(Checkout)]
    select, touch_returning, read = _checkout_sql(connection.alias)
    token_field = Checkout._meta.get_field("token")
    token_value = token_field.get_db_prep_value(token, connection)
    if lock:
        if connection.get_autocommit():
            raise TransactionManagementError("A checkout is locked inside a transaction only.")
        now = Checkout._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection)
        sql, parameters = touch_returning, [now, token_value]
    else:
        sql, parameters = select, [token_value]
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        row = cursor.fetchone()
    return None if row is None else read.instance(connection, row)


@lru_cache(maxsize=8)
def _checkout_sql(alias: str) -> tuple[str, str, ModelColumns]:
    connection = connections[alias]
    checkouts, column = sql_table(connection, Checkout, "row_c")
    (read,) = ModelColumns.sequence(connection, (Checkout, "row_c"))
    quote = connection.ops.quote_name
    table = quote(Checkout._meta.db_table)
    updated_at = quote(Checkout._meta.get_field("updated_at").column)
    token = quote(Checkout._meta.get_field("token").column)
    select = f"SELECT {read.select(connection)} FROM {checkouts} WHERE {column('token')} = %s"  # noqa: S608 - names from the models
    touch_returning = (
        f"UPDATE {table} SET {updated_at} = %s WHERE {token} = %s"  # noqa: S608 - names from the models
        f" RETURNING {read.returning(connection)}"
    )
    return select, touch_returning, read


def touch(checkout: Checkout, *fields: str) -> None:
    """Save ``fields`` of ``checkout`` and its ``updated_at``, as ``save(update_fields=…)``
    writes them (a relation by its id), with the SQL written once (``row_update``)."""
    checkout.updated_at = timezone.now()
    meta = Checkout._meta
    row_update(
        Checkout,
        checkout.pk,
        {name: getattr(checkout, meta.get_field(name).attname) for name in (*fields, "updated_at")},
    )


# ---------------------------------------------------------------- line input


def check_quantity(errors: dict, field: str, quantity, *, allow_zero: bool = False) -> None:
    """A quantity of 1 (0 where it deletes) to ``MAX_LINE_QUANTITY``, recorded in ``errors``."""
    lowest = 0 if allow_zero else 1
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < lowest:
        message = (
            _("The quantity must be 0 or more.")
            if allow_zero
            else _("The quantity must be at least 1.")
        )
        errors[field] = [ValidationError(message, code="INVALID_QUANTITY")]
    elif quantity > MAX_LINE_QUANTITY:
        errors[field] = [
            ValidationError(
                _("At most %(maximum)d of one product in a checkout.")
                % {"maximum": MAX_LINE_QUANTITY},
                code="QUANTITY_GREATER_THAN_LIMIT",
            )
        ]


def check_line_count(count: int) -> None:
    if count > MAX_LINES:
        raise ValidationError(
            {
                "lines": ValidationError(
                    _("A checkout holds at most %(maximum)d products.") % {"maximum": MAX_LINES},
                    code="TOO_MANY_LINES",
                )
            }
        )


def variants_buyable(variant_ids) -> dict[int, ProductVariant]:
    """The variants among ``variant_ids`` that buyers can buy now (of a live product: published,
    of an active seller), with their product, by id."""
    ids = {pk for pk in variant_ids if is_row_id(pk)}
    if not ids:
        return {}
    # Written as SQL (``market.core.sql.ModelColumns``), with the rule of
    # ``Product.objects.live()`` compiled once (``catalog.models.live_product_ids_sql``).
    connection = connections[router.db_for_read(ProductVariant)]
    head, tail, params, reads = _buyable_sql(connection.alias)
    found = {}
    for variant, product in instances_for_ids(connection, head, tail, ids, reads, after=params):
        ProductVariant.product.field.set_cached_value(variant, product)
        found[variant.pk] = variant
    return found


@lru_cache(maxsize=8)
def _buyable_sql(alias: str) -> tuple[str, str, tuple, tuple[ModelColumns, ...]]:
    connection = connections[alias]
    live, params = live_product_ids_sql(alias)
    variants, variant = sql_table(connection, ProductVariant, "buy_v")
    products, product = sql_table(connection, Product, "buy_p")
    reads = ModelColumns.sequence(connection, (ProductVariant, "buy_v"), (Product, "buy_p"))
    columns = ", ".join(read.select(connection) for read in reads)
    head = (
        f"SELECT {columns} FROM {variants}"  # noqa: S608 - names from the models
        f" INNER JOIN {products} ON {variant('product')} = {product('id')}"
        f" WHERE {variant('id')} IN ("
    )
    return head, f") AND {variant('product')} IN ({live})", params, reads


def variants_buyable_among(variants: list[ProductVariant]) -> dict[int, ProductVariant]:
    """The rule of ``variants_buyable`` for variants already loaded with their products in
    this transaction (a checkout's lines), by id: which of them still exist and are of a
    live product, asked in one small query written by hand rather than compiled from the
    querysets on every completion."""
    ids = {variant.pk for variant in variants}
    if not ids:
        return {}
    table, column = sql_table(connection, ProductVariant, "buyable_v")
    live, params = live_product_ids_sql(connection.alias)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT {column('id')} FROM {table} WHERE {column('id')} IN ({placeholders})"  # noqa: S608 - names from the models
        f" AND {column('product')} IN ({live})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, *params])
        found = {row[0] for row in cursor.fetchall()}
    return {variant.pk: variant for variant in variants if variant.pk in found}


def unavailable(field: str, *, variant_id, line_id: int | None = None) -> DomainError:
    """The refusal of a variant that cannot be bought: missing, deleted, unpublished or of
    a seller that is not active, all told alike."""
    details = {"variant_id": variant_id}
    if line_id is not None:
        details["line_id"] = line_id
    return DomainError(
        _("This product is not available for sale."),
        code="PRODUCT_UNAVAILABLE",
        field=field,
        details=details,
    )


def insufficient(field: str, line: CheckoutLine, available: int) -> DomainError:
    details = {"variant_id": line.variant_id, "available": available}
    if line.pk is not None:
        details["line_id"] = line.pk
    return DomainError(
        _("Only %(available)d left of this product; %(wanted)d asked for.")
        % {"available": available, "wanted": line.quantity},
        code="INSUFFICIENT_STOCK",
        field=field,
        details=details,
    )


# ---------------------------------------------------------------- reservations


def reserved_until() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=settings.CHECKOUT_RESERVATION_MINUTES)


def reserve(
    checkout: Checkout, lines: list[CheckoutLine], *, required: dict[int, str]
) -> list[tuple[CheckoutLine, Stock]]:
    """Lock the stock of ``lines`` (all of the checkout's, as they will be saved) and
    answer those that fit in what is left, with their stock, for ``reservations_write``.

    ``required`` maps the variant ids of the lines being added or changed to the field
    their refusal names: those must fit, else ``INSUFFICIENT_STOCK`` (every short line at
    once) and nothing is written. The others that no longer fit keep their lapsed
    reservation, which holds nothing."""
    stocks = stocks_locked(line.variant_id for line in lines)
    held = units_held_elsewhere([stock.pk for stock in stocks.values()], checkout_id=checkout.pk)
    refusals = []
    fitting = []
    for line in lines:
        stock = stocks.get(line.variant_id)
        available = 0
        if stock is not None:
            available = max(stock.quantity - stock.quantity_allocated - held.get(stock.pk, 0), 0)
        if line.quantity <= available:
            fitting.append((line, stock))
        elif line.variant_id in required:
            refusals.append(insufficient(required[line.variant_id], line, available))
    if refusals:
        raise DomainErrors(refusals)
    return fitting


def reservations_write(fitting: list[tuple[CheckoutLine, Stock]]) -> None:
    """Hold each saved line's quantity on its stock until ``reserved_until()``."""
    if not fitting:
        return
    until = reserved_until()
    reservations = [
        Reservation(line=line, stock=stock, quantity=line.quantity, reserved_until=until)
        for line, stock in fitting
    ]
    instances_insert(
        reservations,
        unique_fields=("line",),
        update_fields=("stock", "quantity", "reserved_until"),
    )
    # Each line now shows the reservation it holds (``checkout_states`` may be handed them).
    for (line, _stock), reservation in zip(fitting, reservations, strict=True):
        CheckoutLine.reservation.related.set_cached_value(line, reservation)


def reservations_renew(checkout: Checkout, lines: list[CheckoutLine] | None = None) -> bool:
    """Renew every line's reservation where it still fits: what any write to the
    checkout does, the buyer being still at it. ``lines``: all of the checkout's, with
    their reservations, when the caller has just read them. Whether anything was written.

    Only when a line's reservation is missing, lapsed or past half its time: a buyer
    going through the steps in a minute renews nothing (no stock row locked, nothing
    written), and one who takes longer keeps the stock as long as they are at it."""
    if lines is None:
        lines = checkout_lines([checkout.pk])
    if not lines:
        return False
    half = datetime.timedelta(minutes=settings.CHECKOUT_RESERVATION_MINUTES) / 2
    fresh_until = timezone.now() + half
    if all(_reservation_fresh(line, fresh_until) for line in lines):
        return False
    reservations_write(reserve(checkout, lines, required={}))
    return True


def _reservation_fresh(line: CheckoutLine, fresh_until: datetime.datetime) -> bool:
    reservation = getattr(line, "reservation", None)
    return (
        reservation is not None
        and reservation.quantity == line.quantity
        and reservation.reserved_until > fresh_until
    )


def deliveries_prune(checkout: Checkout) -> None:
    """Forget the shipping choices of sellers the checkout no longer has lines of."""
    sellers = CheckoutLine.objects.filter(checkout=checkout).values("variant__product__seller_id")
    CheckoutDelivery.objects.filter(checkout=checkout).exclude(seller_id__in=sellers).delete()


def reservations_delete_ended() -> int:
    """Delete the reservations whose time has passed; they already hold nothing. Run by
    the platform (Celery beat, ``checkout.delete_ended_reservations``). Returns how many."""
    deleted, _by_model = Reservation.objects.filter(reserved_until__lte=timezone.now()).delete()
    return deleted
