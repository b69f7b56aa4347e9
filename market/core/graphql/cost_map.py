"""What each GraphQL field costs: the one price list the query cost check reads.

In the manner of Saleor's ``COST_MAP``: type name → field name → ``FieldCost``.
An operation's cost is the sum, over every field it selects (fragments
expanded), of the field's ``complexity`` times the number of items of the lists
above it. A list field says how many items it returns in ``items``: a fixed
bound, the page its own arguments ask for (``Page``), or the page of the field
above it (``PARENT_PAGE``: a connection's ``edges``, whose page size is an
argument of the connection field, which names it in ``page``).

The unit is roughly ten microseconds of server time: resolving one field of an
object already loaded costs 1, an SQL round trip about 50, an Elasticsearch
request (with its facets and its typo-correcting second pass) about 1,000.

A field that is not listed costs 1 and returns one item. Every root field and
every field returning a list is listed (``tests/core/test_graphql_limits.py``
walks the schema and fails on a missing one, so a new field must be priced
here). Where nothing in the code bounds a list, the bound is an assumption
about the marketplace written next to it; where the code has a bound, the
number here is that bound and the test checks that it still is. An operation's
cost is rounded up to a whole number.
"""

from dataclasses import dataclass

from market.core.graphql.connection import MAX_PAGE_SIZE


@dataclass(frozen=True)
class Page:
    """A page size given by the field's arguments: the largest of those sent,
    the argument's default when none is, at most ``maximum`` (the resolver
    refuses more)."""

    arguments: tuple[str, ...]
    maximum: int


# ``items`` of a connection's ``edges``: the page of the connection field above.
PARENT_PAGE = "parent page"


@dataclass(frozen=True)
class FieldCost:
    # The cost of resolving the field once, for each item of the lists above it.
    complexity: int = 1
    # How many items the field returns: its selections cost that many times. A
    # fraction is an average (introspection's, below).
    items: int | float | Page | str = 1
    # The page this field opens for its connection's ``edges`` (PARENT_PAGE).
    page: Page | None = None


def lists(**items: int | float) -> dict[str, FieldCost]:
    """List fields at the default complexity, each returning the number of items given: a
    bound, or an average for a fraction."""
    return {name: FieldCost(items=count) for name, count in items.items()}


CONNECTION_PAGE = Page(("first", "last"), MAX_PAGE_SIZE)
# search.backends.base: MAX_PAGE_SIZE and MAX_SUGGESTIONS.
SEARCH_PAGE = Page(("first",), 100)
SUGGESTION_PAGE = Page(("first",), 20)

# One SQL query for the page and one for ``totalCount``.
CONNECTION = FieldCost(complexity=50, page=CONNECTION_PAGE)
# A connection under each item of a list: not batched, two SQL queries per item.
NESTED_CONNECTION = FieldCost(complexity=100, page=CONNECTION_PAGE)
EDGES = FieldCost(items=PARENT_PAGE)
ONE_ROW = FieldCost(complexity=10)

# A write: a transaction of a few SQL queries, often a task queued on commit.
WRITE = FieldCost(complexity=100)
# Hashing a password (PBKDF2). Sign-in attempts are also throttled per account and
# address (market.accounts.throttling), which refuses before hashing; 20 aliased
# attempts in one request must still reach that throttle to be counted.
PASSWORD_HASH = FieldCost(complexity=1_000)
# Queues an email; the address is throttled too.
EMAIL = FieldCost(complexity=200)

# Fields of this name on any type (``ANY_TYPE``) cost this, unless their type lists them.
ANY_TYPE = "*"

COST_MAP: dict[str, dict[str, FieldCost]] = {
    ANY_TYPE: {
        # A mutation's errors: at most one per field of its input, built in memory.
        "errors": FieldCost(items=10),
    },
    "Query": {
        "search": FieldCost(complexity=1_000, page=SEARCH_PAGE),
        "searchSuggest": FieldCost(complexity=300, items=SUGGESTION_PAGE),
        "products": CONNECTION,
        "product": ONE_ROW,
        "categories": CONNECTION,
        "category": ONE_ROW,
        "sellers": CONNECTION,
        "seller": ONE_ROW,
        "me": ONE_ROW,
        "shop": FieldCost(),
        "node": ONE_ROW,
        "lot": ONE_ROW,
        "lots": CONNECTION,
        "growingArea": ONE_ROW,
        "growingAreas": CONNECTION,
        "packingHouse": ONE_ROW,
        "packingHouses": CONNECTION,
        "violations": CONNECTION,
        "inspections": CONNECTION,
        "auditLog": CONNECTION,
        # The checkout's row; its lines, groups and totals come from one batched state.
        "checkout": ONE_ROW,
        "order": ONE_ROW,
        "orderByToken": ONE_ROW,
        "sellerOrders": CONNECTION,
        "orders": CONNECTION,
        "shippingMethod": ONE_ROW,
        # payments.methods.METHODS, from settings: no query.
        "paymentGateways": FieldCost(items=10),
        # The caller's ownership and the seller's row.
        "sellerStatement": FieldCost(complexity=100),
        # The department's OCOP registry (province): a page and its count.
        "ocopRegistryEntries": CONNECTION,
        "ocopRegistryImports": CONNECTION,
        # province.selectors.dashboard: about twenty grouped queries, whatever the period.
        "provinceDashboard": FieldCost(complexity=1_000),
    },
    "Mutation": {
        "productCreate": WRITE,
        "productUpdate": WRITE,
        "productDelete": WRITE,
        "productVariantCreate": WRITE,
        # Up to catalog.services.MAX_VARIANTS_PER_BULK rows in one transaction.
        "productVariantBulkCreate": FieldCost(complexity=1_000),
        "productVariantUpdate": WRITE,
        "productVariantDelete": WRITE,
        "stockUpdate": WRITE,
        # Decoding and checking an uploaded picture with Pillow.
        "productImageCreate": FieldCost(complexity=2_000),
        "productImageDelete": WRITE,
        "ocopCertificateSubmit": WRITE,
        "ocopCertificateVerify": WRITE,
        "ocopCertificateRevoke": WRITE,
        "sellerCreate": WRITE,
        "sellerUpdate": WRITE,
        "sellerStaffInvite": EMAIL,
        "sellerStaffRemove": WRITE,
        "sellerStaffRoleUpdate": WRITE,
        "sellerInvitationAccept": WRITE,
        "sellerInvitationDecline": WRITE,
        "sellerInvitationRevoke": WRITE,
        "accountRegister": PASSWORD_HASH,
        "tokenCreate": PASSWORD_HASH,
        "tokenRefresh": FieldCost(complexity=50),
        "tokenVerify": ONE_ROW,
        "tokensRevokeAll": FieldCost(complexity=50),
        "requestPasswordReset": EMAIL,
        "setPassword": PASSWORD_HASH,
        "siteRegister": WRITE,
        "siteUpdate": WRITE,
        "gapCertificateAdd": WRITE,
        "gapCertificateRemove": WRITE,
        # A decision refreshes the verified origin of every lot of the code (and what was
        # made from them) and of their products, in a few set-wise queries.
        "siteApprove": FieldCost(complexity=500),
        "siteSuspend": FieldCost(complexity=500),
        "siteReinstate": FieldCost(complexity=500),
        "siteRevoke": FieldCost(complexity=500),
        # Up to traceability.services.audits.MAX_INSPECTION_PHOTOS pictures, each checked
        # as productImageCreate checks one.
        "inspectionRecord": FieldCost(complexity=20 * 2_000),
        "violationClose": WRITE,
        "lotCreate": WRITE,
        # Up to traceability.services.lots.MAX_TRANSFORMATION_INPUTS input lots.
        "lotTransform": FieldCost(complexity=500),
        "eventRecord": WRITE,
        "eventDeclareError": WRITE,
        # Walks the whole chain: about 50 ms for 1,000 events (bench/).
        "lotVerify": FieldCost(complexity=5_000),
        # Checkout: a few rows each, the stock rows of the lines locked in one query.
        "checkoutCreate": WRITE,
        "checkoutLinesAdd": WRITE,
        "checkoutLinesUpdate": WRITE,
        "checkoutLinesDelete": WRITE,
        "checkoutEmailUpdate": WRITE,
        "checkoutShippingAddressUpdate": WRITE,
        "checkoutDeliveryMethodUpdate": WRITE,
        "checkoutPaymentMethodUpdate": WRITE,
        "checkoutCustomerAttach": WRITE,
        # Locks and allocates the stock, writes the order, its parts, lines and event.
        "checkoutComplete": FieldCost(complexity=500),
        "sellerOrderConfirm": WRITE,
        # Checks the lot named for each line, updates the lines and the stock.
        "sellerOrderFulfill": FieldCost(complexity=200),
        "sellerOrderDeliver": WRITE,
        "sellerOrderCancel": WRITE,
        "sellerOrderReturn": WRITE,
        # Every part of the order not yet shipped, each releasing its stock.
        "orderCancel": FieldCost(complexity=300),
        "shippingMethodCreate": WRITE,
        "shippingMethodUpdate": WRITE,
        "shippingMethodDelete": WRITE,
        # A gateway's HTTP request (MoMo's create, a Stripe PaymentIntent), some 10 ms and up
        # to settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS, besides the attempt's few rows.
        "orderPaymentStart": FieldCost(complexity=1_000),
        "paymentRefund": FieldCost(complexity=1_000),
        "sellerOrderCashCollect": WRITE,
        # Reads, checks and writes a spreadsheet, then matches its entries: some 0.2 s for
        # the province's few hundred rows (a thousand new rows: 1.2 s; a dry run of them:
        # 0.3 s). Files are capped at settings.PROVINCE_REGISTRY_MAX_ROWS rows.
        "ocopRegistryImport": FieldCost(complexity=20_000),
        "ocopRegistryEntryConfirmMatch": WRITE,
        "ocopRegistryEntryRejectMatch": WRITE,
        "ocopRegistryEntryMatch": WRITE,
    },
    "ProductCountableConnection": {"edges": EDGES},
    "CategoryCountableConnection": {"edges": EDGES},
    "SellerCountableConnection": {"edges": EDGES},
    "LotCountableConnection": {"edges": EDGES},
    "GrowingAreaCountableConnection": {"edges": EDGES},
    "PackingHouseCountableConnection": {"edges": EDGES},
    "ViolationCountableConnection": {"edges": EDGES},
    "InspectionCountableConnection": {"edges": EDGES},
    "AuditEntryCountableConnection": {"edges": EDGES},
    "OrderCountableConnection": {"edges": EDGES},
    "SellerOrderCountableConnection": {"edges": EDGES},
    # A statement's totals read all its lines in one query; its lines are a connection.
    "SellerStatement": {"totals": FieldCost(complexity=50), "lines": CONNECTION},
    "SellerStatementLineCountableConnection": {"edges": EDGES},
    "OcopRegistryEntryCountableConnection": {"edges": EDGES},
    "OcopRegistryImportRecordCountableConnection": {"edges": EDGES},
    # An import's rows: settings.PROVINCE_REGISTRY_MAX_ROWS (its default); its row errors:
    # province.services.registry.MAX_ROW_ERRORS; a row's fields: the ten columns.
    "OcopRegistryImport": lists(rows=2_000),
    "OcopRegistryImportRecord": lists(rowErrors=200),
    "OcopRegistryImportRow": lists(changedFields=10),
    # The dashboard's lists, built in memory from its grouped queries: three star levels,
    # six OCOP groups, four site statuses, four seller kinds, five payment methods; the
    # months of a period of at most 36 (37 touched); wards: the former Ninh Thuận's 25
    # wards and communes and the blank one, with room for others sellers write.
    "ProvinceDashboard": lists(trend=37, wards=60),
    "ProvinceOcopFigures": lists(byStars=3, byGroup=6),
    "ProvinceTraceabilityFigures": lists(areasByStatus=4),
    "ProvinceSalesFigures": lists(bySellerKind=4, byMethod=5),
    "ProvinceSellerFigures": lists(activeByKind=4, activeByWard=60),
    "SearchResults": {"edges": EDGES},
    "SearchFacets": {
        # search.backends.elastic.FACET_SIZE values at most.
        **lists(categories=200, sellers=200),
        # One per value of an enumeration: seller kinds, 0/3/4/5 stars, price ranges, yes/no.
        **lists(sellerKinds=4, ocopStars=4, priceRanges=5, inStock=2, verifiedOrigin=2),
    },
    "Category": {
        # Assumed: a category has at most 20 subcategories (the operators' tree,
        # after the six OCOP product groups). Nested, the count is an overestimate:
        # the whole tree is smaller than 20 to the power of its depth.
        "children": FieldCost(items=20),
        "products": NESTED_CONNECTION,
    },
    # Attributes: catalog.services.MAX_ATTRIBUTES. Assumed: a product has at most 20
    # variants (pack sizes, weights), 10 pictures and 5 certificates (the current one
    # and its history).
    "Product": lists(attributes=30, variants=20, images=10, ocopCertificates=5),
    # catalog.services.MAX_VARIANTS_PER_BULK.
    "ProductVariantBulkCreate": lists(productVariants=100, errors=100),
    "Seller": {
        # Assumed: a seller's staff and pending invitations are at most 20 people each.
        **lists(memberships=20, invitations=20),
        "products": NESTED_CONNECTION,
        # Batched for the page of sellers; assumed, as for delivery groups: at most 20.
        "shippingMethods": FieldCost(items=20),
    },
    # market.checkout.services.shipping_methods.MAX_WEIGHT_BANDS; the 34 provinces.
    "ShippingMethod": lists(weightBands=20, provinces=34),
    # Traceability. Assumed: a code's status changes at most 20 times, a growing area has at
    # most 10 crops and 5 GAP certificates, a lot is sold as at most 20 variants and has at
    # most 100 events (planting to shipping is about ten). Inputs:
    # traceability.services.lots.MAX_TRANSFORMATION_INPUTS; photos:
    # traceability.services.audits.MAX_INSPECTION_PHOTOS; reasons: the enumeration.
    "CodedSite": lists(statusHistory=20),
    "GrowingArea": lists(statusHistory=20, crops=10, gapCertificates=5),
    "PackingHouse": lists(statusHistory=20),
    "Lot": lists(variants=20, events=100, inputs=50),
    "LotOrigin": lists(reasons=20),
    "Inspection": lists(photos=20),
    "ProductOrigin": {
        **lists(reasons=20),
        # Batched for the whole page of products: one windowed query and one count.
        "lots": FieldCost(complexity=2, page=CONNECTION_PAGE),
    },
    # Assumed: a person works for, or is invited by, at most 10 sellers.
    "User": {
        **lists(sellerMemberships=10, sellerInvitations=10),
        # One SQL query for the page and one for its count, once per user shown.
        "orders": NESTED_CONNECTION,
    },
    # Orders. A checkout holds at most market.checkout.services.common.MAX_LINES (100)
    # lines in all, so an order's parts times their lines is at most 100: priced as 5
    # sellers of 20 lines each (assumed: a cart rarely spans more cooperatives). Assumed: an
    # order's timeline holds at most 50 entries (some eight per part).
    # Assumed too: an order is paid in at most 10 attempts (one pending per gateway, answered
    # again when asked again), each with at most 20 events (a charge, refunds, failures).
    "Order": lists(sellerOrders=5, events=50, payments=10),
    "Payment": lists(events=20),
    "SellerOrder": lists(lines=20),
    # Checkout: market.checkout.services.common.MAX_LINES lines at most, in all and so per
    # group. Assumed, as for orders: a cart spans at most 10 sellers, a seller offers at most
    # 20 shipping methods, and the marketplace at most 10 payment methods.
    "Checkout": lists(lines=100, deliveryGroups=10, availablePaymentMethods=10),
    "DeliveryGroup": lists(lines=100, availableShippingMethods=20),
    # settings.LANGUAGES.
    "Shop": lists(languages=2),
    # Introspection answers from memory, some three microseconds a field. Its
    # lists are priced by the schema's averages (a full dump selects every type,
    # so the fields of all types, and so on: the average times the number of
    # types is the true count; a test checks these stay at least the schema's).
    "__Schema": lists(types=315, directives=10),
    # ``ofType``: a type reference is a named type wrapped in NonNull and List a few
    # times; the chain a client asks for (seven levels in GraphiQL's query) stops at
    # the named type, whose ``ofType`` is null.
    "__Type": lists(
        fields=3.5, inputFields=1, enumValues=1.3, interfaces=0.15, possibleTypes=0.1, ofType=0.5
    ),
    "__Field": lists(args=0.3),
    "__Directive": lists(args=1, locations=3),
}

# ``__typename`` is answered from the type already known: free.
FREE = FieldCost(complexity=0)
DEFAULT = FieldCost()


def field_cost(type_name: str, field_name: str) -> FieldCost:
    if field_name == "__typename":
        return FREE
    cost = COST_MAP.get(type_name, {}).get(field_name)
    if cost is None:
        cost = COST_MAP[ANY_TYPE].get(field_name, DEFAULT)
    return cost
