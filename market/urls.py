from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve

from market.core.graphql.views import MarketGraphQLView
from market.core.views import health
from search import feeds
from traceability import resolver

urlpatterns = [
    path("graphql/", csrf_exempt(MarketGraphQLView.as_view()), name="graphql"),
    path("health/", health, name="health"),
    path("feeds/products.json", feeds.products_json, name="feed-products-json"),
    path("feeds/products.xml", feeds.products_xml, name="feed-products-xml"),
    path("trace/", include("traceability.urls")),
    path("epcis/", include("traceability.epcis_urls")),
    path("payments/", include("payments.urls")),
    path("province/", include("province.urls")),
    path("admin/", admin.site.urls),
    # The GS1 Digital Link resolver answers at the root (/01/<GTIN-14>/10/<lot>...); the
    # view parses the whole path as sent, so the pattern only claims the prefix.
    re_path(r"^01/", resolver.digital_link_view, name="trace-digital-link"),
    path("lots/<path:code>", resolver.lot_page_view, name="trace-lot-page"),
]

if settings.PAYMENT_SANDBOXES:
    # The project's own VNPay, MoMo and bank sandboxes (payments/sandbox), for `make run`
    # and the tests; never in production.
    urlpatterns.append(path("sandbox/", include("payments.sandbox.urls")))

if settings.DEBUG:
    urlpatterns.append(
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )
