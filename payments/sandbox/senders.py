"""Notifications signed as each gateway sends them, built without a sandbox's state.

The sandboxes send these after a buyer's click; the load test of the inbox
(``tests/payments/test_exactly_once.py``) and the payments benchmark
(``bench/payments_bench.py``) build thousands at once, forged ones included, with the
same protocol functions (``payments.protocols``) and the settings' credentials. Each
builder answers a ``Sent``: the HTTP method, the path on this server, the query, the
headers and the body.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field

from django.conf import settings

from payments.protocols import bank_notifications, momo, vnpay


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    query: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    body: bytes = b""


def vnpay_ipn(
    reference: str,
    amount: int,
    transaction_no: str,
    *,
    response_code: str = "00",
    tmn_code: str | None = None,
    secret: str | None = None,
) -> Sent:
    """VNPay's IPN (a GET) for ``reference``: paid when ``response_code`` is ``00``."""
    params = {
        "vnp_Amount": vnpay.amount_parameter(amount),
        "vnp_BankCode": "NCB",
        "vnp_OrderInfo": f"Thanh toan don hang {reference}",
        "vnp_PayDate": "20261201103000",
        "vnp_ResponseCode": response_code,
        "vnp_TmnCode": tmn_code or settings.VNPAY_TMN_CODE,
        "vnp_TransactionNo": transaction_no,
        "vnp_TransactionStatus": response_code,
        "vnp_TxnRef": reference,
    }
    params[vnpay.SECURE_HASH] = vnpay.sign(params, secret or settings.VNPAY_HASH_SECRET)
    return Sent("GET", "/payments/vnpay/ipn", query=params)


def momo_ipn(
    reference: str,
    amount: int,
    trans_id: int,
    *,
    result_code: int = 0,
    partner_code: str | None = None,
    secret_key: str | None = None,
) -> Sent:
    """MoMo's IPN (a JSON POST) for ``reference``: paid when ``result_code`` is 0."""
    body = {
        "partnerCode": partner_code or settings.MOMO_PARTNER_CODE,
        "orderId": reference,
        "requestId": f"{reference}-{trans_id}",
        "amount": amount,
        "orderInfo": f"Thanh toán đơn hàng {reference}",
        "orderType": "momo_wallet",
        "transId": trans_id,
        "resultCode": result_code,
        "message": "Thành công." if result_code == 0 else "Giao dịch thất bại.",
        "payType": "qr",
        "responseTime": int(time.time() * 1000),
        "extraData": "",
    }
    body["signature"] = momo.sign_ipn(
        body, settings.MOMO_ACCESS_KEY, secret_key or settings.MOMO_SECRET_KEY
    )
    return _json("/payments/momo/ipn", body)


def sepay_transfer(
    content: str, amount: int, transfer_id: int, *, api_key: str | None = None
) -> Sent:
    """SePay's notification of a transfer into the collection account."""
    body = {
        "id": transfer_id,
        "gateway": "Vietcombank",
        "transactionDate": "2026-12-01 10:30:00",
        "accountNumber": settings.VIETQR_ACCOUNT_NO,
        "code": None,
        "content": content,
        "transferType": "in",
        "transferAmount": amount,
        "accumulated": 25_000_000,
        "subAccount": None,
        "referenceCode": f"FT{transfer_id}",
        "description": f"BankAPINotify {content}",
    }
    headers = {
        "Authorization": bank_notifications.sepay_authorization_header(
            api_key or settings.SEPAY_API_KEY
        )
    }
    return _json("/payments/bank/notify", body, headers)


def stripe_event(
    event_type: str,
    intent_id: str,
    reference: str,
    amount: int,
    *,
    event_id: str,
    currency: str = "vnd",
    secret: str | None = None,
    obj: dict | None = None,
) -> Sent:
    """A Stripe webhook event about a PaymentIntent (or ``obj``, e.g. a Refund), signed as
    Stripe signs: ``v1`` = HMAC-SHA256 of ``"{t}.{body}"`` with the endpoint's secret."""
    data = obj or {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount,
        "currency": currency,
        "status": "succeeded",
        "metadata": {"reference": reference},
    }
    event = {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": data},
        "livemode": False,
        "api_version": "2024-06-20",
    }
    body = json.dumps(event, separators=(",", ":")).encode()
    stamp = int(time.time())
    key = (secret or settings.STRIPE_WEBHOOK_SECRET).encode()
    signature = hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return Sent(
        "POST",
        "/payments/stripe/webhook",
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": f"t={stamp},v1={signature}",
        },
        body=body,
    )


def stripe_refund(
    intent_id: str, reference: str, amount: int, refund_id: str, *, event_id: str
) -> Sent:
    """Stripe's ``refund.created`` of a succeeded refund of ``amount`` VND."""
    refund = {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "currency": "vnd",
        "status": "succeeded",
        "payment_intent": intent_id,
        "metadata": {"reference": reference},
    }
    return stripe_event(
        "refund.created", intent_id, reference, amount, event_id=event_id, obj=refund
    )


def _json(path: str, body: dict, headers: dict | None = None) -> Sent:
    return Sent(
        "POST",
        path,
        headers={"Content-Type": "application/json", **(headers or {})},
        body=json.dumps(body, ensure_ascii=False).encode(),
    )
