"""The product feed for the provincial product site: JSON and Google-Merchant-like RSS.

Pages are keyset-paginated on (last change, id), so an incremental pull with
``updated_since`` and a ``cursor`` neither skips nor repeats a product when
rows change between pages. Each page costs two queries (products with their
facts, then their images) whatever its size. ``ETag`` is a hash of the body
and ``Last-Modified`` the newest change on the page, so re-pulling an unchanged
page answers 304 Not Modified.

``settings.STOREFRONT_URL`` is the base of product links,
``<STOREFRONT_URL>/products/<slug>/``.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode
from xml.etree import ElementTree

from django.conf import settings
from django.db.models import DateTimeField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from catalog.models import Product, ProductImage, ProductVariant
from market.core.errors import InvalidInput
from market.core.pagination import decode_cursor, encode_cursor
from search.selectors import with_search_facts

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
GOOGLE_NAMESPACE = "http://base.google.com/ns/1.0"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"

# ``g:custom_label_1`` of the RSS feed, in the feed's language as its other texts.
ORIGIN_VERIFIED_LABEL = "Nguồn gốc đã xác minh"
ORIGIN_NOT_VERIFIED_LABEL = "Nguồn gốc chưa xác minh"

ElementTree.register_namespace("g", GOOGLE_NAMESPACE)
ElementTree.register_namespace("atom", ATOM_NAMESPACE)


@dataclass(frozen=True)
class FeedArguments:
    updated_since: datetime | None
    after: tuple[datetime, int] | None
    limit: int


@dataclass
class FeedPage:
    products: list[Product]
    next_cursor: str | None


def parse_arguments(query: dict) -> FeedArguments:
    updated_since = None
    if query.get("updated_since"):
        updated_since = _aware_datetime(query["updated_since"], "updated_since")
    limit = DEFAULT_LIMIT
    if query.get("limit"):
        try:
            limit = int(query["limit"])
        except ValueError:
            raise InvalidInput(
                _("%(name)s must be an integer.") % {"name": "limit"}, field="limit"
            ) from None
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(
                _("%(name)s must be between 1 and %(maximum)d.")
                % {"name": "limit", "maximum": MAX_LIMIT},
                field="limit",
            )
    after = _decode_cursor(query["cursor"]) if query.get("cursor") else None
    return FeedArguments(updated_since=updated_since, after=after, limit=limit)


def _aware_datetime(raw: str, field: str) -> datetime:
    try:
        # "+" in a query string arrives as a space when the client did not encode it.
        value = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    except ValueError:
        raise InvalidInput(
            _("%(name)s must be an ISO 8601 date and time.") % {"name": field}, field=field
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            _("%(name)s must carry a time zone, e.g. +07:00 or Z.") % {"name": field}, field=field
        )
    return value


def _encode_cursor(product: Product) -> str:
    return encode_cursor([product.feed_updated_at, product.pk])


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    invalid = InvalidInput(_("Invalid cursor."), field="cursor")
    try:
        changed, pk = decode_cursor(cursor, 2)
    except ValueError:
        raise invalid from None
    if isinstance(pk, bool) or not isinstance(pk, int) or not isinstance(changed, str):
        raise invalid
    try:
        return _aware_datetime(changed, "cursor"), pk
    except InvalidInput:
        raise invalid from None


def feed_products() -> QuerySet[Product]:
    """Live products with the moment they (or one of their variants) last changed."""
    last_variant_change = Subquery(
        ProductVariant.objects.filter(product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(latest=Max("updated_at"))
        .values("latest")
    )
    return with_search_facts(Product.objects.live()).annotate(
        feed_updated_at=Greatest(
            "updated_at",
            Coalesce(last_variant_change, "updated_at"),
            output_field=DateTimeField(),
        )
    )


def feed_page(arguments: FeedArguments) -> FeedPage:
    products = feed_products()
    if arguments.updated_since is not None:
        products = products.filter(feed_updated_at__gte=arguments.updated_since)
    if arguments.after is not None:
        changed, pk = arguments.after
        products = products.filter(
            Q(feed_updated_at__gt=changed) | Q(feed_updated_at=changed, pk__gt=pk)
        )
    rows = list(
        products.order_by("feed_updated_at", "pk").prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("sort_order", "pk"))
        )[: arguments.limit + 1]
    )
    page = rows[: arguments.limit]
    next_cursor = _encode_cursor(page[-1]) if len(rows) > arguments.limit else None
    return FeedPage(products=page, next_cursor=next_cursor)


def product_link(product: Product) -> str:
    base = settings.STOREFRONT_URL.rstrip("/")
    return f"{base}/products/{product.slug}/"


def _item(request: HttpRequest, product: Product) -> dict:
    images = [request.build_absolute_uri(image.image.url) for image in product.images.all()]
    return {
        "id": str(product.pk),
        "title": product.name,
        "description": product.description,
        "link": product_link(product),
        "image_link": images[0] if images else None,
        "additional_image_links": images[1:],
        "price": {"min": product.search_price_min, "max": product.search_price_max},
        "currency": "VND",
        "availability": "in stock" if product.search_in_stock else "out of stock",
        "brand": product.seller.name,
        "seller": {"name": product.seller.name, "slug": product.seller.slug},
        "ocop_stars": product.search_ocop_stars or 0,
        "origin_verified": product.origin_verified,
        "updated_at": product.feed_updated_at.isoformat(),
    }


def _next_link(request: HttpRequest, arguments: FeedArguments, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = {"cursor": cursor, "limit": arguments.limit}
    if arguments.updated_since is not None:
        query["updated_since"] = arguments.updated_since.isoformat()
    return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")


def _render_json(request, arguments, page) -> tuple[bytes, str]:
    body = {
        "items": [_item(request, product) for product in page.products],
        "next": _next_link(request, arguments, page.next_cursor),
        "next_cursor": page.next_cursor,
    }
    return json.dumps(body, ensure_ascii=False).encode(), "application/json; charset=utf-8"


def _render_xml(request, arguments, page) -> tuple[bytes, str]:
    g = f"{{{GOOGLE_NAMESPACE}}}"
    rss = ElementTree.Element("rss", {"version": "2.0"})
    channel = ElementTree.SubElement(rss, "channel")
    ElementTree.SubElement(channel, "title").text = "Sản phẩm OCOP Ninh Thuận"
    ElementTree.SubElement(channel, "link").text = settings.STOREFRONT_URL
    ElementTree.SubElement(channel, "description").text = "Sản phẩm OCOP và nông sản Ninh Thuận"
    next_link = _next_link(request, arguments, page.next_cursor)
    if next_link:
        ElementTree.SubElement(
            channel, f"{{{ATOM_NAMESPACE}}}link", {"rel": "next", "href": next_link}
        )
    for product in page.products:
        item = _item(request, product)
        entry = ElementTree.SubElement(channel, "item")
        ElementTree.SubElement(entry, f"{g}id").text = item["id"]
        ElementTree.SubElement(entry, "title").text = item["title"]
        ElementTree.SubElement(entry, "description").text = item["description"]
        ElementTree.SubElement(entry, "link").text = item["link"]
        if item["image_link"]:
            ElementTree.SubElement(entry, f"{g}image_link").text = item["image_link"]
        for link in item["additional_image_links"]:
            ElementTree.SubElement(entry, f"{g}additional_image_link").text = link
        if item["price"]["min"] is not None:
            ElementTree.SubElement(entry, f"{g}price").text = f"{item['price']['min']} VND"
        ElementTree.SubElement(entry, f"{g}availability").text = item["availability"]
        ElementTree.SubElement(entry, f"{g}brand").text = item["brand"]
        if item["ocop_stars"]:
            ElementTree.SubElement(
                entry, f"{g}custom_label_0"
            ).text = f"OCOP {item['ocop_stars']} sao"
        # Both ways, so that a campaign can pick either group.
        ElementTree.SubElement(entry, f"{g}custom_label_1").text = (
            ORIGIN_VERIFIED_LABEL if item["origin_verified"] else ORIGIN_NOT_VERIFIED_LABEL
        )
    body = ElementTree.tostring(rss, encoding="utf-8", xml_declaration=True)
    return body, "application/rss+xml; charset=utf-8"


def _respond(request: HttpRequest, render) -> HttpResponse:
    try:
        arguments = parse_arguments(request.GET)
    except InvalidInput as error:
        return JsonResponse(
            {"errors": [{"field": error.field, "code": error.code, "message": error.message}]},
            status=400,
        )
    page = feed_page(arguments)
    body, content_type = render(request, arguments, page)
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    last_modified = (
        int(max(product.feed_updated_at for product in page.products).timestamp())
        if page.products
        else None
    )
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    response = not_modified or HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_safe
def products_json(request: HttpRequest) -> HttpResponse:
    return _respond(request, _render_json)


@require_safe
def products_xml(request: HttpRequest) -> HttpResponse:
    return _respond(request, _render_xml)
