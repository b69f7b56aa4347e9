"""A small province for the dashboard page, export and browser tests, hand-counted.

Two sellers in two wards (a cooperative in Phước Hậu, an enterprise in Phan Rang):

- the registry lists four OCOP products: the cooperative's two (both on sale), the
  enterprise's one (listed, out of stock) and one not on the marketplace. On sale: 2 / 4.
- agricultural products listed: those three; of verified origin: one. Verified: 1 / 3.
- orders placed today: two paid by VietQR, one paid in cash on delivery, one unpaid.
  Paid cashless: 2 / 3 orders.

Orders are placed as checkout places them and paid through the payments' own rules
(``notice_apply`` for the transfers, ``seller_order_cash_collect`` for the cash).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from catalog.models import OcopCertificate
from market.accounts.models import Address
from market.orders.services import fulfilment
from market.sellers.models import Seller
from payments.services.cod import seller_order_cash_collect
from province.figures import (
    Count,
    Dashboard,
    Filters,
    MonthFigures,
    OcopFigures,
    OcopGroupCount,
    Period,
    SalesByKey,
    SalesFigures,
    SellerFigures,
    Share,
    TraceabilityFigures,
    WardRow,
)
from province.models import RegistryEntry
from tests.factories import (
    CategoryFactory,
    OcopCertificateFactory,
    SellerFactory,
    StockFactory,
    VariantFactory,
)
from tests.orders.factories import place, staff_of
from tests.payments.graphql_world import charge, online_order, started

WARD_A, DISTRICT_A = "Xã Phước Hậu", "Huyện Ninh Phước"
WARD_B, DISTRICT_B = "Phường Phan Rang", "Thành phố Phan Rang–Tháp Chàm"
PRICE = 120_000
SHIPPING = 30_000  # the orders factory's flat shipping


@dataclass(frozen=True)
class World:
    cooperative_id: int
    enterprise_id: int
    on_sale: tuple[int, int] = (2, 4)
    verified: tuple[int, int] = (1, 3)
    cashless: tuple[int, int] = (2, 3)


def _seller(kind: str, ward: str, district: str) -> Seller:
    address = Address.objects.create(ward=ward, former_district=district, street="1 Đường 16/4")
    return SellerFactory(kind=kind, address=address)


def _certified_variant(seller, category, *, stars: int, group: str, stocked: bool, **product):
    variant = VariantFactory(
        price=PRICE, product__seller=seller, product__category=category, **product
    )
    if stocked:
        StockFactory(variant=variant, quantity=50)
    certificate = OcopCertificateFactory(product=variant.product, stars=stars, product_group=group)
    return variant, certificate


def _registry_entry(number: str, *, stars: int, group: str, ward: str, district: str, **extra):
    return RegistryEntry.objects.create(
        certificate_number=number,
        product_name=extra.pop("product_name", f"Sản phẩm {number}"),
        producer_name=extra.pop("producer_name", "HTX"),
        stars=stars,
        product_group=group,
        issuing_decision="Quyết định số 12/QĐ-UBND",
        issued_on=extra.pop("issued_on", None) or _issued(),
        expires_on=extra.pop("expires_on", None) or _expires(),
        ward=ward,
        former_district=district,
        **extra,
    )


def _issued():
    return timezone.localdate() - timedelta(days=30)


def _expires():
    return _issued() + timedelta(days=3 * 365)


def _matched(entry_number: str, certificate: OcopCertificate, **place):
    return _registry_entry(
        entry_number,
        stars=certificate.stars,
        group=certificate.product_group,
        certificate=certificate,
        match_status=RegistryEntry.MatchStatus.MATCHED,
        match_method=RegistryEntry.MatchMethod.CERTIFICATE_NUMBER,
        **place,
    )


def build_world() -> World:
    farm = CategoryFactory(is_agricultural=True)
    cooperative = _seller(Seller.Kind.COOPERATIVE, WARD_A, DISTRICT_A)
    enterprise = _seller(Seller.Kind.ENTERPRISE, WARD_B, DISTRICT_B)
    food, drinks = OcopCertificate.ProductGroup.FOOD, OcopCertificate.ProductGroup.BEVERAGES
    grapes, grapes_certificate = _certified_variant(
        cooperative,
        farm,
        stars=4,
        group=food,
        stocked=True,
        product__origin_verified=True,
    )
    garlic, garlic_certificate = _certified_variant(
        cooperative, farm, stars=3, group=food, stocked=True
    )
    _wine, wine_certificate = _certified_variant(
        enterprise, farm, stars=3, group=drinks, stocked=False
    )
    place_a = {"ward": WARD_A, "district": DISTRICT_A}
    _matched(grapes_certificate.certificate_number, grapes_certificate, **place_a)
    _matched(garlic_certificate.certificate_number, garlic_certificate, **place_a)
    _matched(
        wine_certificate.certificate_number,
        wine_certificate,
        ward=WARD_B,
        district=DISTRICT_B,
    )
    _registry_entry("NT-OCOP-0099", stars=5, group=food, ward=WARD_B, district=DISTRICT_B)

    for _ in range(2):
        charge(started(online_order([(grapes, 1)])))
    online_order([(garlic, 1)])  # placed, never paid
    staff = staff_of(cooperative)
    cash = place([(garlic, 1)])
    part = cash.seller_orders.get()
    fulfilment.seller_order_confirm(seller_order_id=part.pk, by=staff)
    fulfilment.seller_order_ship(seller_order_id=part.pk, by=staff, carrier="GHN")
    fulfilment.seller_order_deliver(seller_order_id=part.pk, by=staff)
    seller_order_cash_collect(seller_order_id=part.pk, by=staff)
    return World(cooperative_id=cooperative.pk, enterprise_id=enterprise.pk)


def hand_built_dashboard(**changes) -> Dashboard:
    """A ``Dashboard`` written by hand, no database: three months, the middle one with no
    record of the stock figures, a ward whose name a spreadsheet would run as a formula."""
    start, end = date(2026, 1, 1), date(2026, 3, 31)
    nothing = Share(0, 0, 0.5)
    values = {
        "period": Period(start, end),
        "filters": Filters(),
        "computed_at": datetime(2026, 3, 31, 17, 30, tzinfo=UTC),  # 00:30 on 1 April in Vietnam
        "ocop": OcopFigures(
            in_registry=40,
            listed=15,
            on_sale=12,
            on_sale_share=Share(12, 40, 0.9),
            by_stars=[OcopGroupCount("3", 30, 10, 8), OcopGroupCount("4", 10, 5, 4)],
            by_group=[OcopGroupCount("food", 40, 15, 12)],
            expiring_soon=3,
            unmatched=5,
        ),
        "traceability": TraceabilityFigures(
            agricultural_published=20,
            origin_verified=9,
            verified_share=Share(9, 20),
            areas_by_status=[Count("active", 7), Count("suspended", 1)],
            lots_with_open_violations=2,
            areas_suspended_in_period=1,
        ),
        "sales": SalesFigures(
            orders=50,
            value=12_345_678,
            by_seller_kind=[SalesByKey("cooperative", 50, 12_345_678)],
            paid_orders=40,
            paid_value=10_000_000,
            cashless_count_share=Share(18, 40, 0.5),
            cashless_value_share=Share(4_560_000, 10_000_000, 0.5),
            by_method=[SalesByKey("vietqr", 18, 4_560_000), SalesByKey("cod", 22, 5_440_000)],
            refunds=1,
            refunded_value=150_000,
        ),
        "sellers": SellerFigures(
            active=6,
            active_by_kind=[Count("cooperative", 6)],
            active_by_ward=[Count('=HYPERLINK("http://x")', 6)],
            without_product_on_sale=2,
        ),
        "trend": [
            MonthFigures(
                date(2026, 1, 1),
                Share(10, 40, 0.9),
                Share(8, 20),
                Share(5, 10, 0.5),
                Share(1_000_000, 3_000_000, 0.5),
            ),
            MonthFigures(date(2026, 2, 1), None, None, nothing, Share(0, 0, 0.5)),
            MonthFigures(
                date(2026, 3, 1),
                Share(12, 40, 0.9),
                Share(9, 20),
                Share(13, 30, 0.5),
                Share(3_560_000, 7_000_000, 0.5),
            ),
        ],
        "wards": [
            WardRow(
                ward='=HYPERLINK("http://x")',
                former_district="Huyện Ninh Phước",
                active_sellers=6,
                in_registry=40,
                on_sale=12,
                on_sale_share=Share(12, 40, 0.9),
                verified_share=Share(9, 20),
                paid_orders=40,
                cashless_count_share=Share(18, 40, 0.5),
            )
        ],
    }
    return Dashboard(**(values | changes))
