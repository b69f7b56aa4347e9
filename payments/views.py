"""The gateways' endpoints: notifications in, the buyer's return shown.

Each notification endpoint hands the raw request to ``notification_receive`` and answers
what the gateway's protocol expects. The return page only shows what this server knows of
the payment: the order moves on the notification, never on the buyer's return.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from payments.gateways import gateway_named
from payments.gateways.base import Incoming
from payments.models import Payment
from payments.services.notifications import notification_receive

# Which gateway answers at which notification path, and with what HTTP method.
NOTIFICATION_METHODS = {"vnpay": "GET", "momo": "POST", "vietqr": "POST", "stripe": "POST"}


def incoming_of(request: HttpRequest) -> Incoming:
    return Incoming(
        method=request.method,
        path=request.path,
        query={key: request.GET.get(key, "") for key in request.GET},
        headers=dict(request.headers),
        body=request.body,
        source_address=request.META.get("REMOTE_ADDR") or None,
    )


def _notification(gateway_code: str):
    @csrf_exempt
    @require_http_methods([NOTIFICATION_METHODS[gateway_code]])
    def view(request: HttpRequest) -> HttpResponse:
        _stored, answer = notification_receive(gateway_named(gateway_code), incoming_of(request))
        return answer.response()

    view.__name__ = f"{gateway_code}_notification"
    return view


vnpay_ipn = _notification("vnpay")
momo_ipn = _notification("momo")
bank_notify = _notification("vietqr")
stripe_webhook = _notification("stripe")


@require_http_methods(["GET"])
def payment_return(request: HttpRequest, gateway: str) -> HttpResponse:
    found = gateway_named(gateway)
    if found is None:
        raise Http404
    reference = found.return_reference({key: request.GET.get(key, "") for key in request.GET})
    payment = (
        Payment.objects.select_related("order").filter(reference=reference, gateway=gateway).first()
        if reference
        else None
    )
    if payment is not None and not found.signed_return:
        token = request.GET.get("token", "")
        if not constant_time_compare(token, str(payment.order.token)):
            payment = None
    return render(request, "payments/return.html", {"payment": payment, "gateway": found})
