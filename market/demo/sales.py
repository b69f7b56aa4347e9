"""Demo sales: a few dozen orders of the last six months, paid as buyers here pay.

So that the province's dashboard shows real numbers on ``make run``, the demo places
orders from demo buyers (guests with ``@example.vn`` addresses, and the demo's own buyer)
across the demo sellers, on days spread over the last ~180 days, and takes each one
through the services a real order goes through:

- ``order_place`` (what checkout's completion calls), with each seller's own flat-rate
  shipping method of the demo;
- online orders: ``payment_start`` at the order's gateway, then the gateway's signed
  confirmation (``payments.sandbox.senders``, as the sandboxes send it) handed to
  ``notification_receive``, the inbox behind the gateways' endpoints. MoMo's start needs
  MoMo: the project's own MoMo sandbox is served on a loopback port for the length of the
  load. Card payments need a Stripe server (``STRIPE_API_BASE``, stripe-mock): where none
  is configured (``make run``), cards are not offered, and those demo buyers pay by VNPay
  (whose page takes bank cards) instead;
- cash on delivery: confirmed, shipped and delivered by the seller's owner, then the cash
  collected (``seller_order_cash_collect``);
- a few cancelled by the buyer before paying (``order_cancel``), a few parts cancelled by
  the seller after a bank-transfer payment and refunded (``refund_cancelled_seller_order``,
  a manual refund, the way a transfer is paid back).

Backdating, for the demo only: each order's history is played with Django's clock
(``timezone.now``) stopped at the step's moment (``_demo_clock``), so that placing,
paying, shipping and refunding are dated on their demo day in every table, the
append-only event tables included, which a later update could not reach. The loader runs
in one thread, in a management command; nothing else reads the clock meanwhile but the
MoMo sandbox served for the load, which then dates its answers alike.

Idempotence is by the order's checkout token, derived from the order's demo number
(``uuid5``): an order that exists is left as it is. ``sales_delete`` removes the demo's
orders (payments, inbox rows and append-only events included) for ``load_demo --reset``.

Every demo order ends shipped, delivered or cancelled, and what they shipped is put back
on the shelves (``_restock``): the catalog's stock figures stay the file's.

Also here, after the demo's traceability: the failed inspection of the demo's suspended
growing area (``inspection_record``), which opens the area's violation, closed since its
code is suspended (``violation_close``), and the violation of the shallot lot sampled there
(``violation_open``), open until it is sampled again.
"""

import datetime
import random
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import ProgrammingError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from catalog.models import ProductVariant, Stock
from market.checkout.models import ShippingMethod
from market.core.append_only import append_only_lifted
from market.demo.files import DemoDataError
from market.orders.models import Order, OrderEvent, OrderLine, SellerOrder
from market.orders.services import cancellation, fulfilment
from market.orders.services.placement import PlacedGroup, PlacedLine, order_place
from market.sellers.models import Seller, SellerMembership
from payments.gateways import gateway_named
from payments.gateways.base import Incoming
from payments.methods import method_named
from payments.models import Notification, Payment, TransactionEvent
from payments.sandbox import momo as momo_sandbox
from payments.sandbox import senders
from payments.services.cod import seller_order_cash_collect
from payments.services.notifications import notification_receive
from payments.services.refunds import refund_cancelled_seller_order
from payments.services.start import payment_start
from traceability.models import Inspection, Lot, Site, Violation
from traceability.services import audits

SALES_KINDS = ("orders", "payments", "inspections", "violations")
DEMO_ORDERS = 36
DEMO_DAYS = 180
# One namespace for the demo's checkout tokens: order n's is uuid5(namespace, "demo-order-n").
DEMO_ORDER_NAMESPACE = uuid.UUID("6f1d6c1e-5b8e-4f0a-9d3c-0cf0c0a2e013")
# A fixed seed: the same orders on every machine and every load.
DEMO_SEED = 20250701
# How the demo's buyers pay, in the proportions of a provincial marketplace: cash on
# delivery still first, then VNPay, MoMo, bank transfers by VietQR and a few cards.
METHOD_WEIGHTS = {"cod": 34, "vnpay": 22, "momo": 18, "vietqr": 16, "stripe": 10}
SHIPPING_METHOD = "Giao hàng tiêu chuẩn"  # the flat rate every demo seller offers
PROVINCE = "Khánh Hòa"
# Made-up buyers (guests) of the demo, with made-up addresses in today's wards.
DEMO_BUYERS = (
    ("Trần Thị Mai", "tran.thi.mai", "Phường Phan Rang", "12 Đường 16 Tháng 4"),
    ("Nguyễn Văn Hùng", "nguyen.van.hung", "Phường Đô Vinh", "45 Ngô Gia Tự"),
    ("Lê Thị Thu Hà", "le.thu.ha", "Xã Ninh Hải", "Thôn Khánh Tường"),
    ("Phạm Minh Tuấn", "pham.minh.tuan", "Phường Bảo An", "8 Thống Nhất"),
    ("Võ Thị Hồng", "vo.thi.hong", "Xã Phước Hữu", "Thôn Hậu Sanh"),
    ("Đặng Quốc Bảo", "dang.quoc.bao", "Xã Cà Ná", "Thôn Lạc Sơn 1"),
    ("Huỳnh Thị Ngọc Lan", "huynh.ngoc.lan", "Xã Vĩnh Hải", "Thôn Mỹ Hòa"),
    ("Bùi Văn Phúc", "bui.van.phuc", "Phường Đông Hải", "22 Yên Ninh"),
    ("Ngô Thị Kim Anh", "ngo.kim.anh", "Xã Phước Dinh", "Thôn Sơn Hải"),
    ("Đỗ Thanh Sơn", "do.thanh.son", "Phường Ninh Chử", "3 Đường Biển"),
)
BUYER_DOMAIN = "example.vn"
DEMO_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
INSPECTOR = "Đoàn kiểm tra Chi cục Trồng trọt và Bảo vệ thực vật (demo)"
SUSPENDED_AREA = "DEMO-NTOR-0003"
# The shallots of the suspended area, whose lot stays in breach until it is sampled again;
# the area's own violation is closed once its code is suspended.
SAMPLED_LOT = "DEMO-CT-HT-2501"
INSPECTION_FINDINGS = (
    "Mẫu tỏi và hành tím lấy tại ruộng có dư lượng thuốc bảo vệ thực vật vượt mức cho phép; "
    "hộ trồng phải khắc phục và lấy mẫu lại (dữ liệu demo)."
)
LOT_FINDINGS = (
    "Lô hành tím lấy mẫu có dư lượng vượt mức cho phép: giữ lại đến khi có kết quả lấy mẫu "
    "lại (dữ liệu demo)."
)
AREA_VIOLATION_NOTE = (
    "Mã số vùng trồng đã bị tạm dừng; vi phạm của lô hành tím lấy mẫu vẫn mở (dữ liệu demo)."
)


@dataclass(frozen=True)
class DemoOrder:
    """One demo order, drawn from the seed: who, when, what, how paid, what happens."""

    number: int
    buyer: int  # index in DEMO_BUYERS, or -1 for the demo's signed-in buyer
    days_ago: int
    hour: int
    method: str
    lines: tuple[tuple[int, int], ...]  # (variant id, quantity)
    fate: str  # "paid" (or cash collected), "cancelled" before paying, "refunded" in part
    delivered: bool  # else shipped, not delivered yet

    @property
    def token(self) -> uuid.UUID:
        return uuid.uuid5(DEMO_ORDER_NAMESPACE, f"demo-order-{self.number}")


def demo_tokens() -> list[uuid.UUID]:
    return [uuid.uuid5(DEMO_ORDER_NAMESPACE, f"demo-order-{n}") for n in range(DEMO_ORDERS)]


@contextmanager
def _demo_clock(moment: datetime.datetime):
    """Django's clock stopped at ``moment`` (demo backdating only: see the docstring)."""
    real_now = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real_now


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        """The sandbox's requests are the loader's own: not worth a line each."""


@contextmanager
def _momo_sandbox_served():
    """The project's MoMo sandbox on a loopback port while the demo starts its MoMo
    payments; yields whether MoMo can be started (never a real MoMo: only when the
    endpoint is the sandbox's own and the sandboxes are on)."""
    sandbox_endpoint = f"{settings.PAYMENT_CALLBACK_BASE_URL.rstrip('/')}/sandbox/momo/"
    if not settings.PAYMENT_SANDBOXES or not settings.MOMO_ENDPOINT.startswith(sandbox_endpoint):
        yield False
        return
    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=WSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = settings.MOMO_ENDPOINT
    settings.MOMO_ENDPOINT = f"http://127.0.0.1:{server.server_port}/sandbox/momo/v2/gateway/api"
    try:
        yield True
    finally:
        settings.MOMO_ENDPOINT = saved
        server.shutdown()
        server.server_close()
        thread.join()
        # The sandbox served here lives in this process: its memory of the demo's payments
        # (paid through the inbox, never on its page) goes with the load, so that a later
        # load in this process (a rolled-back test) may start the same references again.
        momo_sandbox.reset()


def _plan(variants: list[ProductVariant]) -> list[DemoOrder]:
    """The demo's orders, the same on every load (a seeded draw)."""
    draw = random.Random(DEMO_SEED)  # noqa: S311 - demo data, not a secret
    by_seller: dict[int, list[ProductVariant]] = {}
    for variant in variants:
        by_seller.setdefault(variant.product.seller_id, []).append(variant)
    sellers = sorted(by_seller)
    methods, weights = zip(*METHOD_WEIGHTS.items(), strict=True)
    plan = []
    for number in range(DEMO_ORDERS):
        # Spread over the months, oldest first, a little busier lately.
        days_ago = max(1, DEMO_DAYS - int(DEMO_DAYS * (number / DEMO_ORDERS) ** 0.9))
        days_ago = max(1, days_ago - draw.randint(0, 3))
        method = draw.choices(methods, weights)[0]
        chosen = draw.sample(sellers, 2 if draw.random() < 0.25 else 1)
        lines = [
            (variant.pk, draw.randint(1, 3))
            for seller_id in chosen
            for variant in draw.sample(
                by_seller[seller_id], min(len(by_seller[seller_id]), draw.randint(1, 2))
            )
        ]
        fate = "paid"
        roll = draw.random()
        if method != "cod" and roll < 0.08:
            fate = "cancelled"  # the buyer gave up before paying
        elif method == "vietqr" and roll < 0.4:
            fate = "refunded"  # paid, then the seller could not send it
        plan.append(
            DemoOrder(
                number=number,
                buyer=-1 if number % 7 == 3 else draw.randrange(len(DEMO_BUYERS)),
                days_ago=days_ago,
                hour=draw.randint(7, 21),
                method=method,
                lines=tuple(lines),
                fate=fate,
                delivered=days_ago > 10,
            )
        )
    return plan


def _restock(tokens: list[uuid.UUID]) -> None:
    """Put back what the demo's new orders shipped: the catalog's stock figures are the
    shelves' count today, after the demo's sales, the same on a first load as on the next
    (which writes the catalog's figures again). Stock is catalog seed data, which the loader
    writes through the ORM; no demo order still holds units (each is shipped or cancelled)."""
    shipped = (
        OrderLine.objects.filter(
            seller_order__order__checkout_token__in=tokens,
            seller_order__status__in=(SellerOrder.Status.SHIPPED, SellerOrder.Status.DELIVERED),
        )
        .values("variant_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    for row in shipped:
        Stock.objects.filter(variant_id=row["variant_id"]).update(
            quantity=F("quantity") + row["units"]
        )


class _Loader:
    def __init__(self, tally, buyer, auditor):
        self.tally = tally
        self.buyer = buyer
        self.auditor = auditor
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.card_offered = method_named("stripe") is not None
        self.momo_offered = False
        self.notices = 0

    def run(self, sellers: list[Seller]) -> None:
        variants = list(
            ProductVariant.objects.filter(product__seller__in=sellers, product__is_published=True)
            .select_related("product")
            .order_by("pk")
        )
        if not variants:
            raise DemoDataError("The demo's sales need the demo catalog loaded first.")
        self.shipping = {
            method.seller_id: method
            for method in ShippingMethod.objects.filter(
                seller__in=sellers, name=SHIPPING_METHOD, is_active=True
            )
        }
        self.owners = {
            membership.seller_id: membership.user
            for membership in SellerMembership.objects.filter(
                seller__in=sellers, role=SellerMembership.Role.OWNER
            ).select_related("user")
        }
        plan = _plan(variants)
        existing = set(
            Order.objects.filter(checkout_token__in=[entry.token for entry in plan]).values_list(
                "checkout_token", flat=True
            )
        )
        missing = [entry for entry in plan if entry.token not in existing]
        for _ in existing:
            self.tally.add("orders", False)
        payments = Payment.objects.filter(order__checkout_token__in=[e.token for e in plan])
        before = payments.count()
        if missing:
            variants_by_id = {variant.pk: variant for variant in variants}
            with _momo_sandbox_served() as self.momo_offered:
                for entry in missing:
                    self._order(entry, variants_by_id)
            _restock([entry.token for entry in missing])
        # Cash collected is a payment too: counted from the rows, online and cash alike.
        after = payments.count()
        self.tally.present["payments"] += after
        self.tally.created["payments"] += after - before

    # ------------------------------------------------------------ one order

    def _at(self, entry: DemoOrder, minutes: int = 0) -> datetime.datetime:
        day = self.today - datetime.timedelta(days=entry.days_ago)
        placed = datetime.datetime.combine(day, datetime.time(entry.hour, 0), tzinfo=self.tz)
        return placed + datetime.timedelta(minutes=minutes)

    def _method(self, entry: DemoOrder) -> str:
        if entry.method == "stripe" and not self.card_offered:
            return "vnpay"
        if entry.method == "momo" and not self.momo_offered:
            return "vnpay"
        return entry.method

    def _order(self, entry: DemoOrder, variants: dict[int, ProductVariant]) -> None:
        method = self._method(entry)
        with _demo_clock(self._at(entry)):
            order = self._place(entry, method, variants)
        self.tally.add("orders", True)
        if method == "cod":
            self._fulfil(entry, order, collect_cash=True)
            return
        if entry.fate == "cancelled":
            with _demo_clock(self._at(entry, 20)):
                cancellation.order_cancel(order_id=order.pk, **self._as_buyer(order))
            return
        with _demo_clock(self._at(entry, 3)):
            payment = payment_start(
                order_id=order.pk,
                gateway_code=method,
                client_ip="127.0.0.1",
                **self._as_buyer(order),
            )
        with _demo_clock(self._at(entry, 6)):
            self._confirm(payment)
        if entry.fate == "refunded":
            # The first part's seller finds it cannot send it: cancelled, its share paid back.
            part = order.seller_orders.order_by("pk").first()
            with _demo_clock(self._at(entry, 60 * 20)):
                cancellation.seller_order_cancel(
                    seller_order_id=part.pk,
                    by=self.owners[part.seller_id],
                    reason="Hết hàng đợt này, cơ sở hoàn tiền (dữ liệu demo).",
                )
            with _demo_clock(self._at(entry, 60 * 20 + 1)):
                refund_cancelled_seller_order(part.pk)
        self._fulfil(entry, order, collect_cash=False)

    def _as_buyer(self, order: Order) -> dict:
        """Who acts as the order's buyer: the signed-in buyer, or a guest with its token."""
        if order.user_id is not None:
            return {"by": self.buyer}
        return {"by": None, "token": str(order.token)}

    def _place(self, entry: DemoOrder, method: str, variants) -> Order:
        groups: dict[int, list[PlacedLine]] = {}
        for variant_id, quantity in entry.lines:
            variant = variants[variant_id]
            groups.setdefault(variant.product.seller_id, []).append(
                PlacedLine(variant_id=variant_id, quantity=quantity, unit_price=variant.price)
            )
        if entry.buyer < 0:
            user, email = self.buyer, self.buyer.email
            full_name, ward, street = "Nguyễn Lan (người mua demo)", "Phường Phan Rang", "Demo"
        else:
            full_name, local, ward, street = DEMO_BUYERS[entry.buyer]
            user, email = None, f"{local}@{BUYER_DOMAIN}"
        return order_place(
            checkout_token=entry.token,
            user=user,
            email=email,
            shipping_address={
                "full_name": full_name,
                "phone": f"+8490{5000000 + entry.number:07d}",
                "street": street,
                "ward": ward,
                "province": PROVINCE,
            },
            groups=[
                PlacedGroup(
                    seller_id=seller_id,
                    shipping_method_name=self.shipping[seller_id].name,
                    shipping_method_kind=self.shipping[seller_id].kind,
                    shipping_price=self.shipping[seller_id].price or 0,
                    lines=lines,
                )
                for seller_id, lines in groups.items()
            ],
            payment_method=method,
            online=method != "cod",
            language="vi",
            held_elsewhere=lambda _stock_ids: {},
            variants=variants,
        )

    def _confirm(self, payment: Payment) -> None:
        """The gateway's confirmation, signed as the gateway (and its sandbox) signs it,
        through the inbox the gateways' endpoints feed."""
        self.notices += 1
        number = self.notices
        reference, amount = payment.reference, payment.amount
        if payment.gateway == "vnpay":
            sent = senders.vnpay_ipn(reference, amount, f"{14_250_000 + number}")
        elif payment.gateway == "momo":
            sent = senders.momo_ipn(reference, amount, 3_250_000_000 + number)
        elif payment.gateway == "vietqr":
            sent = senders.sepay_transfer(f"CK {reference}", amount, 925_000 + number)
        else:
            sent = senders.stripe_event(
                "payment_intent.succeeded",
                payment.gateway_reference,
                reference,
                amount,
                event_id=f"evt_demo_{payment.reference}",
            )
        notification, _ = notification_receive(
            gateway_named(payment.gateway),
            Incoming(
                method=sent.method,
                path=sent.path,
                query=sent.query,
                headers=sent.headers,
                body=sent.body,
                source_address="127.0.0.1",
            ),
        )
        if notification.outcome != Notification.Outcome.RECORDED:
            raise DemoDataError(
                f"The demo's {payment.gateway} confirmation of {reference} was not recorded: "
                f"{notification.outcome} {notification.detail}"
            )

    def _fulfil(self, entry: DemoOrder, order: Order, *, collect_cash: bool) -> None:
        parts = order.seller_orders.exclude(status=SellerOrder.Status.CANCELLED).order_by("pk")
        for part in parts:
            owner = self.owners[part.seller_id]
            with _demo_clock(self._at(entry, 60 * 3)):
                fulfilment.seller_order_confirm(seller_order_id=part.pk, by=owner)
            with _demo_clock(self._at(entry, 60 * 26)):
                fulfilment.seller_order_ship(
                    seller_order_id=part.pk, by=owner, carrier="Viettel Post"
                )
            if not entry.delivered:
                continue
            with _demo_clock(self._at(entry, 60 * 74)):
                fulfilment.seller_order_deliver(seller_order_id=part.pk, by=owner)
            if collect_cash:
                with _demo_clock(self._at(entry, 60 * 98)):
                    seller_order_cash_collect(seller_order_id=part.pk, by=owner)

    # ------------------------------------------------------------ the area's violation

    def violations(self) -> None:
        area = Site.objects.filter(code=SUSPENDED_AREA).first()
        lot = Lot.objects.filter(code=SAMPLED_LOT).first()
        if area is None or lot is None:
            raise DemoDataError(
                f"The demo's inspection needs {SUSPENDED_AREA} and {SAMPLED_LOT} loaded first."
            )
        inspection = Inspection.objects.filter(site=area, inspector_name=INSPECTOR).first()
        created = inspection is None
        if created:
            inspection = audits.inspection_record(
                by=self.auditor,
                site_id=area.pk,
                inspected_on=self.today - datetime.timedelta(days=3),
                inspector_name=INSPECTOR,
                result=Inspection.Result.FAILED,
                findings=INSPECTION_FINDINGS,
            )
            # The failed inspection opened the area's violation: closed, the area's code being
            # suspended; the sampled lot's own stays open until it is sampled again.
            audits.violation_open(
                site=area,
                lot=lot,
                kind=Violation.Kind.FAILED_INSPECTION,
                inspection=inspection,
                details=LOT_FINDINGS,
            )
            area_violation = Violation.objects.get(inspection=inspection, lot__isnull=True)
            audits.violation_close(
                by=self.auditor, violation_id=area_violation.pk, note=AREA_VIOLATION_NOTE
            )
        self.tally.add("inspections", created)
        for _ in Violation.objects.filter(inspection=inspection):
            self.tally.add("violations", created)


def sales_load(*, tally, sellers: list[Seller], buyer, auditor) -> None:
    """Place (once) the demo's orders and record the suspended area's failed inspection.

    The e-mails these orders' services queue (placed, shipped, cancelled: a hundred or so,
    sent once the loader's transaction commits) go to Django's in-memory outbox rather than
    the console of ``make run``: the demo's buyers and their inboxes are made up, and the
    orders are history replayed, not news for anyone. The backend is put back by the last
    callback of the commit, after the e-mails' own."""
    loader = _Loader(tally, buyer, auditor)
    loader.violations()
    backend = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = DEMO_EMAIL_BACKEND

    def restore() -> None:
        settings.EMAIL_BACKEND = backend

    try:
        loader.run(sellers)
    except BaseException:
        restore()
        raise
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(restore)
    else:
        restore()


def sales_delete() -> None:
    """Delete the demo's orders (found by their checkout tokens) with their payments, the
    inbox rows of those payments and the append-only events, for ``load_demo --reset``."""
    orders = Order.objects.filter(checkout_token__in=demo_tokens())
    if not orders.exists():
        return
    payments = Payment.objects.filter(order__in=orders)
    try:
        with append_only_lifted((TransactionEvent._meta.db_table, OrderEvent._meta.db_table)):
            TransactionEvent.objects.filter(payment__in=payments).delete()
            Notification.objects.filter(payment__in=payments).delete()
            payments.delete()
            # Seller orders, lines, allocations and events go with their order.
            orders.delete()
    except ProgrammingError as error:
        raise DemoDataError(
            "Cannot reset the demo's orders: their event tables are append-only and lifting "
            "that for the reset needs the database user that owns the tables. "
            f"The database said: {error}"
        ) from error
