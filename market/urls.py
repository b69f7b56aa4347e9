from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve

from market.core.graphql.views import MarketGraphQLView
from market.core.views import health
from search import feeds

urlpatterns = [
    path("graphql/", csrf_exempt(MarketGraphQLView.as_view()), name="graphql"),
    path("health/", health, name="health"),
    path("feeds/products.json", feeds.products_json, name="feed-products-json"),
    path("feeds/products.xml", feeds.products_xml, name="feed-products-xml"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns.append(
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )
