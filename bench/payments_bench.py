"""Payments benchmark: notifications per second through the gateways' endpoints, and what
they charged.

    .venv/bin/python bench/payments_bench.py [--payments 2000] [--senders 8] [--workers 2]

Needs the PostgreSQL that ``scripts/services.sh up`` starts. The script creates its own
database (``market_bench_payments``), migrates it, loads the demo catalog, places
``--payments`` unpaid online orders (through ``order_place``, as checkout does) and opens a
payment for each, spread over VNPay, MoMo, VietQR (SePay-style bank notifications) and
Stripe. It serves the app with gunicorn (``--workers`` sync workers) and ``--senders``
threads post, over HTTP, each payment's confirmation twice (a gateway's retry) and one
forged notification for every ten (a bad signature), shuffled: notifications per second,
p50 / p95 of each gateway's endpoint, and at the end the double charges (payments with
more than one charge, or charged more than their amount: must be 0), the forged ones
accepted (must be 0) and the inbox's rows against the notifications sent. It prints one
JSON object and writes it to ``bench/results/payments.json``.
"""

import argparse
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from urllib.parse import urlencode

import harness

RESULTS = harness.RESULTS_DIR / "payments.json"
BENCH_DATABASE = "market_bench_payments"
SEED = 20261201
GATEWAYS = ("vnpay", "momo", "vietqr", "stripe")
# What a forger signs with: not the merchant's secret, the point of a forgery.
FORGED_SECRET = "not-the-merchants-secret"  # noqa: S105
TARGETS = {"notifications_per_second": 300.0, "p95_ms": 30.0, "double_charges": 0}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=2_000, help="payments to confirm")
    parser.add_argument("--senders", type=int, default=8, help="concurrent senders")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    harness.add_server_url_argument(parser)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


def open_payments(count: int) -> list:
    """``count`` unpaid orders of the demo catalog, each with a payment of one gateway."""
    from catalog.models import ProductVariant, Stock
    from market.demo.loader import load_demo
    from market.orders.services.placement import PlacedGroup, PlacedLine, order_place
    from payments.models import Payment
    from payments.protocols.bank_notifications import transfer_code

    load_demo()
    variant = ProductVariant.objects.select_related("product").order_by("pk").first()
    Stock.objects.update_or_create(
        variant=variant, defaults={"quantity": count * 2, "quantity_allocated": 0}
    )
    address = {
        "full_name": "Nguyễn Thị Lan",
        "phone": "+84905123456",
        "street": "12 Trần Phú",
        "ward": "Phường Phan Rang",
        "province": "Khánh Hòa",
    }
    payments = []
    for index in range(count):
        gateway = GATEWAYS[index % len(GATEWAYS)]
        order = order_place(
            checkout_token=uuid.uuid4(),
            user=None,
            email=f"khach{index}@example.vn",
            shipping_address=address,
            groups=[
                PlacedGroup(
                    seller_id=variant.product.seller_id,
                    shipping_method_name="Giao hàng tiêu chuẩn",
                    shipping_method_kind="flat",
                    shipping_price=30_000,
                    lines=[PlacedLine(variant_id=variant.pk, quantity=1, unit_price=variant.price)],
                )
            ],
            payment_method=gateway,
            online=True,
            language="vi",
            held_elsewhere=lambda _stock_ids: {},
        )
        code = transfer_code(order.number)
        payments.append(
            Payment.objects.create(
                order=order,
                gateway=gateway,
                reference=code if gateway == "vietqr" else f"{code}P1",
                gateway_reference=f"pi_{code}" if gateway == "stripe" else "",
                amount=order.total,
            )
        )
    return payments


def confirmation(payment, number: int):
    from payments.sandbox import senders

    reference, amount = payment.reference, payment.amount
    if payment.gateway == "vnpay":
        return senders.vnpay_ipn(reference, amount, str(14_000_000 + number))
    if payment.gateway == "momo":
        return senders.momo_ipn(reference, amount, 3_100_000_000 + number)
    if payment.gateway == "vietqr":
        return senders.sepay_transfer(f"CK {reference}", amount, 70_000 + number)
    return senders.stripe_event(
        "payment_intent.succeeded",
        payment.gateway_reference,
        reference,
        amount,
        event_id=f"evt_{number}",
    )


def forgery(payment, number: int):
    from payments.sandbox import senders

    reference, amount = payment.reference, payment.amount
    if payment.gateway == "vnpay":
        return senders.vnpay_ipn(reference, amount, str(90_000 + number), secret=FORGED_SECRET)
    if payment.gateway == "momo":
        return senders.momo_ipn(reference, amount, 90_000 + number, secret_key=FORGED_SECRET)
    if payment.gateway == "vietqr":
        return senders.sepay_transfer(reference, amount, 90_000 + number, api_key=FORGED_SECRET)
    return senders.stripe_event(
        "payment_intent.succeeded",
        payment.gateway_reference,
        reference,
        amount,
        event_id=f"evt_forged_{number}",
        secret=FORGED_SECRET,
    )


def race(port: int, notifications: list, senders: int) -> dict:
    timings: dict[str, list[float]] = defaultdict(list)
    statuses: Counter = Counter()
    lock = threading.Lock()
    queue = list(notifications)

    def sender():
        while True:
            with lock:
                if not queue:
                    return
                gateway, sent = queue.pop()
            path = sent.path + ("?" + urlencode(sent.query) if sent.query else "")
            elapsed, status, _body = harness.request(
                port, sent.method, path, headers=sent.headers, body=sent.body or None
            )
            with lock:
                timings[gateway].append(elapsed)
                statuses[f"{gateway} {status}"] += 1

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    every = [value for values in timings.values() for value in values]
    return {
        "seconds": round(seconds, 2),
        "notifications": len(every),
        "notifications_per_second": round(len(every) / seconds, 1),
        "all_ms": harness.latency_summary(every),
        "by_gateway_ms": {
            name: harness.latency_summary(values) for name, values in timings.items()
        },
        "answers": dict(sorted(statuses.items())),
    }


def outcome(payments: list, sent: int, forged: int) -> dict:
    from django.db.models import Count, Q

    from payments.models import Notification, Payment

    charged = Payment.objects.filter(pk__in=[payment.pk for payment in payments]).annotate(
        charges=Count("events", filter=Q(events__kind="charge"))
    )
    double = sum(
        1 for payment in charged if payment.charges > 1 or payment.charged > payment.amount
    )
    unpaid = sum(1 for payment in charged if payment.charged != payment.amount)
    outcomes = Counter(Notification.objects.values_list("outcome", flat=True))
    return {
        "double_charges": double,
        "payments_left_unpaid": unpaid,
        "inbox_rows": sum(outcomes.values()),
        "notifications_sent": sent,
        "inbox_outcomes": dict(sorted(outcomes.items())),
        "forged_sent": forged,
        "forged_accepted": forged - outcomes.get("bad_signature", 0),
    }


def run(cleanup: harness.Cleanup, args: argparse.Namespace) -> dict:
    load_at_start = [round(value, 2) for value in os.getloadavg()]
    context = harness.throwaway_app(
        args.server_url,
        BENCH_DATABASE,
        "ocop-payments-bench-",
        CELERY_TASK_ALWAYS_EAGER="true",
        # The demo's and the orders' emails are not what is measured (nor printed).
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PAYMENT_CALLBACK_BASE_URL="http://127.0.0.1:8000",
    )
    env, work_dir = context.__enter__()
    cleanup.add("database", lambda: context.__exit__(None, None, None))
    started = time.perf_counter()
    payments = open_payments(args.payments)
    rng = random.Random(SEED)
    notifications = []
    forged = 0
    for number, payment in enumerate(payments):
        sent = confirmation(payment, number)
        notifications += [(payment.gateway, sent), (payment.gateway, sent)]
        # One forgery for every ten payments, as many of each gateway.
        if number % (10 * len(GATEWAYS)) < len(GATEWAYS):
            notifications.append((payment.gateway, forgery(payment, number)))
            forged += 1
    rng.shuffle(notifications)
    print(
        f"{len(payments)} payments, {len(notifications)} notifications in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    server, port = harness.serve(env, work_dir / "gunicorn.log", workers=args.workers)
    cleanup.add("gunicorn", lambda: harness.stop_server(server))
    load_before = [round(value, 2) for value in os.getloadavg()]
    raced = race(port, notifications, args.senders)
    harness.stop_server(server)
    result = outcome(payments, len(notifications), forged)
    return {
        "payments": len(payments),
        "senders": args.senders,
        "gunicorn_workers": args.workers,
        **raced,
        **result,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
            "load_average_before_race": load_before,
            "load_average_at_end": [round(value, 2) for value in os.getloadavg()],
        },
        "targets": TARGETS,
        "targets_met": {
            "notifications_per_second": raced["notifications_per_second"]
            >= TARGETS["notifications_per_second"],
            "p95_ms": raced["all_ms"]["p95"] <= TARGETS["p95_ms"],
            "double_charges": result["double_charges"] == 0,
            "every_payment_paid": result["payments_left_unpaid"] == 0,
            "every_notification_stored": result["inbox_rows"] == len(notifications),
            "no_forgery_accepted": result["forged_accepted"] == 0,
        },
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    return harness.run_benchmark(lambda cleanup: run(cleanup, args), RESULTS, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
