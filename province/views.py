"""The province's dashboard as a web page for people, and its monthly figures as files.

- ``/province/sign-in/`` and ``/province/sign-out/``: Django's own views with the session
  cookie and a CSRF-protected form; signing in is throttled as the API's ``tokenCreate``
  is (``province.forms.SignInForm``).
- ``/province/``: the page, for auditors of the agriculture department and operators;
  signed out is sent to sign in, anyone else signed in gets a page saying so (403).
- ``/province/export.csv`` and ``/province/export.xlsx``: the same filters and rule; a
  script signs in with the API's bearer token instead of the cookie (the JWT middleware
  sets ``request.user`` from it and refuses a bad one). A browser is answered in pages
  (sent to sign in, a 403 page); anyone else in the API's JSON errors (401, 403, 400).

Thin, as CONTRIBUTING asks: read the request, call ``province.selectors.dashboard``, show
what it returns. Every number is formatted here, once, in the reader's language
(``format_*``): Vietnamese writes 1.234.567 ₫ and 45,6 %, English 1,234,567 ₫ and 45.6%.
"""

import io
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from market.core.errors import InvalidInput, PermissionDenied
from market.core.middleware import error_response
from market.core.permissions import AUDITOR_OR_OPERATOR, is_auditor, is_operator
from province import charts, exports, selectors
from province.figures import Dashboard, Share
from province.forms import (
    PAYMENT_METHOD_LABELS,
    PRODUCT_GROUP_LABELS,
    SELLER_KIND_LABELS,
    SITE_STATUS_LABELS,
    STARS_LABEL,
    DashboardFiltersForm,
    SignInForm,
    label_of,
)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
FILTER_FIELDS = ("month_from", "month_to", "place", "product_group", "stars", "seller_kind")


# --- Numbers as the reader writes them ------------------------------------------------


def _separators() -> tuple[str, str]:
    return formats.get_format("DECIMAL_SEPARATOR"), formats.get_format("THOUSAND_SEPARATOR")


def _grouped(number: int, thousands: str) -> str:
    return f"{number:,}".replace(",", thousands)


def format_count(value: int) -> str:
    """1234567 → "1.234.567" in Vietnamese, "1,234,567" in English."""
    return _grouped(int(value), _separators()[1])


def format_money(value: int) -> str:
    """Whole VND: "1.234.567 ₫" (a non-breaking space before the sign)."""
    return f"{format_count(value)}\u00a0₫"


def format_percent(ratio: float | None, *, decimals: int = 1) -> str:
    """0.4563 → "45,6 %" in Vietnamese, "45.6%" in English; None → a dash (no figure)."""
    if ratio is None:
        return "–"
    step = Decimal(1).scaleb(-decimals)
    rounded = (Decimal(str(ratio)) * 100).quantize(step, rounding=ROUND_HALF_UP)
    whole, _point, fraction = f"{abs(rounded):f}".partition(".")
    decimal, thousands = _separators()
    text = ("-" if rounded < 0 else "") + _grouped(int(whole), thousands)
    if fraction:
        text += decimal + fraction
    return f"{text}\u00a0%" if (get_language() or "vi").startswith("vi") else f"{text}%"


def format_part_whole(share: Share | None, *, money: bool = False) -> str:
    """ "12 / 40", the share's count behind its percentage."""
    if share is None:
        return "–"
    write = format_money if money else format_count
    return f"{write(share.part)} / {write(share.whole)}"


def format_month(month: date) -> str:
    return date_format(month, formats.get_format("YEAR_MONTH_FORMAT"))


# --- Who may see it --------------------------------------------------------------------


def _may_read(user) -> bool:
    return is_auditor(user) or is_operator(user)


def _forbidden_page(request: HttpRequest) -> HttpResponse:
    return render(request, "province/forbidden.html", status=403)


def _for_auditors_and_operators(view: Callable) -> Callable:
    """Signed out: to the sign-in page and back. Signed in without the role: a 403 page."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("province:sign-in"))
        if not _may_read(request.user):
            return _forbidden_page(request)
        return view(request, *args, **kwargs)

    return guarded


def _wants_page(request: HttpRequest) -> bool:
    """A browser following a link (it asks for HTML and sends no bearer token)."""
    return "text/html" in request.headers.get("Accept", "") and not request.headers.get(
        "Authorization"
    )


# --- Signing in and out ----------------------------------------------------------------


class SignInView(auth_views.LoginView):
    template_name = "province/sign_in.html"
    authentication_form = SignInForm

    def get_default_redirect_url(self) -> str:
        return reverse("province:dashboard")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("province:sign-in")


# --- The page --------------------------------------------------------------------------


def _filters_form(request: HttpRequest) -> DashboardFiltersForm:
    return DashboardFiltersForm(request.GET, today=timezone.localdate())


def _query(form: DashboardFiltersForm) -> str:
    """The valid form's filters as a query string, for the export links."""
    query = QueryDict(mutable=True)
    for name in FILTER_FIELDS:
        value = form.data.get(name, "")
        if value:
            query[name] = value
    return query.urlencode()


def _chart(trend, name: str, *, title: str, money: bool = False, target: float | None) -> dict:
    points = []
    for month in trend:
        share = getattr(month, name)
        ratio = share.ratio if share is not None else None
        text = format_percent(ratio)
        caption = f"{format_month(month.month)}: {text}"
        if share is not None:
            caption += f" ({format_part_whole(share, money=money)})"
        else:
            caption += " (" + _("no record") + ")"
        points.append(
            charts.ChartPoint(label=f"{month.month:%m/%y}", value=ratio, text=text, title=caption)
        )
    description = _("%(title)s by month, from %(first)s to %(last)s.") % {
        "title": title,
        "first": format_month(trend[0].month) if trend else "",
        "last": format_month(trend[-1].month) if trend else "",
    }
    if not trend:
        description = _("No month to show.")
    svg = charts.share_trend_svg(
        points,
        title=title,
        description=description,
        grid_labels=[format_percent(step, decimals=0) for step in charts.GRID_STEPS],
        target=target,
        target_text=(
            _("target %(percent)s") % {"percent": format_percent(target)} if target else ""
        ),
        chart_id=f"chart-{name.replace('_', '-')}",
    )
    # Built from escaped text only (charts escapes every label and caption).
    return {"id": name, "title": title, "svg": mark_safe(svg)}  # noqa: S308


def _headline(key: str, title: str, share: Share, *, money: bool = False, note: str = "") -> dict:
    return {
        "key": key,
        "title": title,
        "percent": format_percent(share.ratio),
        "part_whole": format_part_whole(share, money=money),
        "target": format_percent(share.target) if share.target is not None else "",
        "meets": share.meets_target,
        "note": note,
    }


def _number(value: int) -> dict:
    return {"text": format_count(value), "number": True}


def _money_cell(value: int) -> dict:
    return {"text": format_money(value), "number": True}


def _share_cell(share: Share) -> dict:
    return {
        "text": format_percent(share.ratio),
        "title": format_part_whole(share),
        "number": True,
    }


def _text(value: str) -> dict:
    return {"text": value, "number": False}


def _stars_label(key: str) -> str:
    return STARS_LABEL % {"stars": int(key)} if key.isdigit() else key


def _tables(dashboard: Dashboard) -> list[dict]:
    ocop, sales, sellers = dashboard.ocop, dashboard.sales, dashboard.sellers
    group_columns = [_("In the registry"), _("Listed"), _("On sale"), _("Share on sale")]

    def group_rows(rows, label):
        return [
            [
                _text(label(row.key)),
                _number(row.in_registry),
                _number(row.listed),
                _number(row.on_sale),
                _share_cell(Share(row.on_sale, row.in_registry)),
            ]
            for row in rows
        ]

    active_by_kind = {row.key: row.count for row in sellers.active_by_kind}
    sales_by_kind = {row.key: row for row in sales.by_seller_kind}
    kinds = list(dict.fromkeys([*active_by_kind, *sales_by_kind]))
    return [
        {
            "id": "wards",
            "caption": _("By ward or commune"),
            "headers": [
                _("Ward or commune"),
                _("Former district"),
                _("Active sellers"),
                _("In the registry"),
                _("On sale"),
                _("Share on sale"),
                _("Verified origin"),
                _("Paid orders"),
                _("Cashless"),
            ],
            "rows": [
                [
                    _text(row.ward or _("None")),
                    _text(row.former_district),
                    _number(row.active_sellers),
                    _number(row.in_registry),
                    _number(row.on_sale),
                    _share_cell(row.on_sale_share),
                    _share_cell(row.verified_share),
                    _number(row.paid_orders),
                    _share_cell(row.cashless_count_share),
                ]
                for row in dashboard.wards
            ],
        },
        {
            "id": "stars",
            "caption": _("By star level"),
            "headers": [_("Stars"), *group_columns],
            "rows": group_rows(ocop.by_stars, _stars_label),
        },
        {
            "id": "groups",
            "caption": _("By product group"),
            "headers": [_("Product group"), *group_columns],
            "rows": group_rows(ocop.by_group, lambda key: label_of(PRODUCT_GROUP_LABELS, key)),
        },
        {
            "id": "methods",
            "caption": _("Paid orders by payment method"),
            "headers": [_("Payment method"), _("Orders"), _("Value")],
            "rows": [
                [
                    _text(label_of(PAYMENT_METHOD_LABELS, row.key)),
                    _number(row.orders),
                    _money_cell(row.value),
                ]
                for row in sales.by_method
            ],
        },
        {
            "id": "seller-kinds",
            "caption": _("By seller kind"),
            "headers": [_("Seller kind"), _("Active sellers"), _("Orders"), _("Value")],
            "rows": [
                [
                    _text(label_of(SELLER_KIND_LABELS, kind)),
                    _number(active_by_kind.get(kind, 0)),
                    _number(sales_by_kind[kind].orders if kind in sales_by_kind else 0),
                    _money_cell(sales_by_kind[kind].value if kind in sales_by_kind else 0),
                ]
                for kind in kinds
            ],
        },
        {
            "id": "areas",
            "caption": _("Growing areas by status"),
            "headers": [_("Status"), _("Growing areas")],
            "rows": [
                [_text(label_of(SITE_STATUS_LABELS, row.key)), _number(row.count)]
                for row in dashboard.traceability.areas_by_status
            ],
        },
    ]


def _key_numbers(dashboard: Dashboard) -> list[tuple[str, str]]:
    ocop, trace, sales, sellers = (
        dashboard.ocop,
        dashboard.traceability,
        dashboard.sales,
        dashboard.sellers,
    )
    return [
        (_("OCOP products in the registry"), format_count(ocop.in_registry)),
        (_("Listed on the marketplace"), format_count(ocop.listed)),
        (_("On sale (listed and in stock)"), format_count(ocop.on_sale)),
        (_("Certificates expiring in the next 90 days"), format_count(ocop.expiring_soon)),
        (_("Registry entries not matched yet"), format_count(ocop.unmatched)),
        (_("Orders"), format_count(sales.orders)),
        (_("Value of orders"), format_money(sales.value)),
        (_("Paid orders"), format_count(sales.paid_orders)),
        (_("Value paid"), format_money(sales.paid_value)),
        (_("Refunds"), format_count(sales.refunds)),
        (_("Value refunded"), format_money(sales.refunded_value)),
        (_("Active sellers"), format_count(sellers.active)),
        (_("Sellers with no product on sale"), format_count(sellers.without_product_on_sale)),
        (_("Lots with an open violation"), format_count(trace.lots_with_open_violations)),
        (_("Growing areas suspended in the period"), format_count(trace.areas_suspended_in_period)),
    ]


def dashboard_context(dashboard: Dashboard) -> dict:
    """What the page shows of ``dashboard``, every number already written out."""
    ocop, trace, sales = dashboard.ocop, dashboard.traceability, dashboard.sales
    trend = dashboard.trend
    return {
        "dashboard": dashboard,
        "period_text": _("%(first)s to %(last)s")
        % {
            "first": dashboard.period.start.strftime("%d/%m/%Y"),
            "last": dashboard.period.end.strftime("%d/%m/%Y"),
        },
        "computed_at": timezone.localtime(dashboard.computed_at, VIETNAM).strftime(
            "%d/%m/%Y %H:%M"
        ),
        "headlines": [
            _headline("on-sale", _("OCOP products on sale here"), ocop.on_sale_share),
            _headline(
                "cashless",
                _("Paid orders paid cashless"),
                sales.cashless_count_share,
                note=_("By value: %(percent)s (%(part_whole)s)")
                % {
                    "percent": format_percent(sales.cashless_value_share.ratio),
                    "part_whole": format_part_whole(sales.cashless_value_share, money=True),
                },
            ),
            _headline(
                "verified",
                _("Agricultural products of verified origin"),
                trace.verified_share,
            ),
        ],
        "charts": [
            _chart(
                trend,
                "on_sale_share",
                title=_("Share of OCOP products on sale"),
                target=ocop.on_sale_share.target,
            ),
            _chart(
                trend,
                "verified_share",
                title=_("Share of verified origin"),
                target=trace.verified_share.target,
            ),
            _chart(
                trend,
                "cashless_count_share",
                title=_("Cashless share of paid orders"),
                target=sales.cashless_count_share.target,
            ),
            _chart(
                trend,
                "cashless_value_share",
                title=_("Cashless share of the value paid"),
                money=True,
                target=sales.cashless_value_share.target,
            ),
        ],
        "key_numbers": _key_numbers(dashboard),
        "tables": _tables(dashboard),
    }


@never_cache
@require_safe
@_for_auditors_and_operators
def dashboard_page(request: HttpRequest) -> HttpResponse:
    form = _filters_form(request)
    if not form.is_valid():
        return render(request, "province/dashboard.html", {"form": form}, status=400)
    dashboard = selectors.dashboard(form.period(), form.filters(), today=form.today)
    context = dashboard_context(dashboard) | {"form": form, "query": _query(form)}
    return render(request, "province/dashboard.html", context)


# --- The files -------------------------------------------------------------------------


def _export_or_refusal(request: HttpRequest) -> Dashboard | HttpResponse:
    user = request.user
    page = _wants_page(request)
    if not user.is_authenticated:
        if page:
            return redirect_to_login(request.get_full_path(), reverse("province:sign-in"))
        return error_response(
            PermissionDenied(_("You need to be signed in."), code="AUTHENTICATION_REQUIRED"), 401
        )
    if not _may_read(user):
        if page:
            return _forbidden_page(request)
        return error_response(PermissionDenied(str(AUDITOR_OR_OPERATOR.refusal)), 403)
    form = _filters_form(request)
    if not form.is_valid():
        if page:
            return render(request, "province/dashboard.html", {"form": form}, status=400)
        name, errors = next(iter(form.errors.items()))
        return error_response(InvalidInput(str(errors[0]), field=name), 400)
    return selectors.dashboard(form.period(), form.filters(), today=form.today)


@never_cache
@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    dashboard = _export_or_refusal(request)
    if isinstance(dashboard, HttpResponse):
        return dashboard
    response = HttpResponse(
        exports.csv_text_of(dashboard).encode("utf-8"),
        content_type="text/csv; charset=utf-8; header=present",
    )
    name = exports.filename(dashboard, "csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@require_safe
def export_xlsx(request: HttpRequest) -> HttpResponse:
    dashboard = _export_or_refusal(request)
    if isinstance(dashboard, HttpResponse):
        return dashboard
    # A few dozen rows: the workbook is built in memory.
    file = io.BytesIO()
    exports.xlsx_write(dashboard, file)
    response = HttpResponse(file.getvalue(), content_type=exports.XLSX_CONTENT_TYPE)
    name = exports.filename(dashboard, "xlsx")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
