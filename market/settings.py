"""Settings for the Ninh Thuận OCOP marketplace.

Every value comes from the environment (see ``market.env``), with embedded
defaults that make ``make run`` work on a fresh machine: SQLite, eager Celery,
the database search backend and the local gateway sandboxes.
"""

from pathlib import Path

from celery.schedules import crontab

from market.env import (
    env_basis_points,
    env_bool,
    env_database,
    env_int,
    env_list,
    env_rate,
    env_secret_key,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_secret_key(
    "SECRET_KEY",
    development_default="insecure-development-key-change-me-in-production",
    debug=DEBUG,
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "graphene_django",
    "django_filters",
    "market.core",
    "market.accounts",
    "market.sellers",
    "market.checkout",
    "market.orders",
    "catalog",
    "traceability",
    "payments",
    "search",
    "province",
    "market.demo",
]

MIDDLEWARE = [
    # First, so that every answer on a CORS path, a refusal from a later middleware
    # included (the JWT middleware's 401), carries the CORS headers a browser needs.
    "corsheaders.middleware.CorsMiddleware",
    # Next, so that a failure in any view or middleware below answers JSON on /graphql/.
    "market.core.middleware.GraphQLInternalErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "market.accounts.middleware.JWTAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "market.urls"
WSGI_APPLICATION = "market.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Stored in UTC (USE_TZ), shown in Vietnam's time.
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Ho_Chi_Minh")
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "vi")
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
USE_I18N = True
# The project's messages (English in the code) in Vietnamese and English, chosen per request
# from Accept-Language by LocaleMiddleware; the compiled .mo files are committed.
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Celery: with no Redis the tasks run in-process, eagerly.
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=REDIS_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes every database connection after each task unless this is
# set: a new PostgreSQL backend per task, with its statements never prepared. Set beyond
# reach, it leaves the connections to market.celery, which treats a task as Django treats
# a request (CONN_MAX_AGE, and a broken connection dropped).
CELERY_DB_REUSE_MAX = 2**62

# Search: Elasticsearch when configured, else the database backend.
ELASTICSEARCH_URL = env_url("ELASTICSEARCH_URL", schemes=("http", "https"))
SEARCH_INDEX_PREFIX = env_str("SEARCH_INDEX_PREFIX", "ocop")
# One shard answers fastest on one small node (bench/search_bench.py measured two
# shards slower at 100,000 products on two cores); more spread a bigger
# catalog over several nodes.
SEARCH_INDEX_SHARDS = env_int("SEARCH_INDEX_SHARDS", 1, minimum=1)
SEARCH_INDEX_REPLICAS = env_int("SEARCH_INDEX_REPLICAS", 0, minimum=0)

# Stripe: the official client, pointed at STRIPE_API_BASE (stripe-mock in tests).
STRIPE_API_BASE = env_url("STRIPE_API_BASE", schemes=("http", "https"))
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "pk_test_ocop")
# The signing secret of the webhook endpoint (whsec_...); the sandbox default is public.
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "whsec_ocop_sandbox_public")

# Payment gateways (payments/gateways). Every default is the project's own sandbox
# (payments/sandbox, mounted at /sandbox/ on this server when PAYMENT_SANDBOXES is on) and
# its public test credentials; production sets each from the gateway's merchant portal.
# Where gateways send the buyer back and their notifications: this server's public URL.
PAYMENT_CALLBACK_BASE_URL = (
    env_url("PAYMENT_CALLBACK_BASE_URL", schemes=("http", "https")) or "http://127.0.0.1:8000"
)
PAYMENT_SANDBOXES = env_bool("PAYMENT_SANDBOXES", default=DEBUG)
# Gateways authenticate their notifications themselves (SePay sends its key as
# "Authorization"): whatever they send there is not a user's bearer token.
JWT_EXEMPT_PATH_PREFIXES = [
    "/payments/vnpay/ipn",
    "/payments/momo/ipn",
    "/payments/bank/notify",
    "/payments/stripe/webhook",
    "/sandbox/",
]
_SANDBOX = PAYMENT_CALLBACK_BASE_URL + "/sandbox"
VNPAY_TMN_CODE = env_str("VNPAY_TMN_CODE", "OCOPDEMO")
VNPAY_HASH_SECRET = env_str("VNPAY_HASH_SECRET", "OCOPSANDBOXSECRET0123456789ABCDEF")
VNPAY_PAYMENT_URL = (
    env_url("VNPAY_PAYMENT_URL", schemes=("http", "https"))
    or f"{_SANDBOX}/vnpay/paymentv2/vpcpay.html"
)
VNPAY_API_URL = (
    env_url("VNPAY_API_URL", schemes=("http", "https"))
    or f"{_SANDBOX}/vnpay/merchant_webapi/api/transaction"
)
MOMO_PARTNER_CODE = env_str("MOMO_PARTNER_CODE", "OCOPSANDBOX")
MOMO_ACCESS_KEY = env_str("MOMO_ACCESS_KEY", "ocop-sandbox-access")
MOMO_SECRET_KEY = env_str("MOMO_SECRET_KEY", "ocop-sandbox-secret")
MOMO_ENDPOINT = (
    env_url("MOMO_ENDPOINT", schemes=("http", "https")) or f"{_SANDBOX}/momo/v2/gateway/api"
)
# The marketplace's collection account for VietQR transfers (Vietcombank's BIN by default).
VIETQR_BANK_BIN = env_str("VIETQR_BANK_BIN", "970436")
VIETQR_ACCOUNT_NO = env_str("VIETQR_ACCOUNT_NO", "0011001234567")
VIETQR_ACCOUNT_NAME = env_str("VIETQR_ACCOUNT_NAME", "SAN OCOP NINH THUAN")
SEPAY_API_KEY = env_str("SEPAY_API_KEY", "ocop-sandbox-sepay-key")
CASSO_CHECKSUM_KEY = env_str("CASSO_CHECKSUM_KEY", "ocop-sandbox-casso-key")
# Payments still pending this long are asked about at their gateway (Celery beat).
PAYMENT_RECONCILE_AFTER_MINUTES = env_int("PAYMENT_RECONCILE_AFTER_MINUTES", 5, minimum=1)
# The longest a notification's processing may hold the database (MoMo wants an answer
# within 15 s; VNPay retries on a timeout): statements and row locks are cut at this.
PAYMENT_NOTIFICATION_TIMEOUT_SECONDS = env_int("PAYMENT_NOTIFICATION_TIMEOUT_SECONDS", 5, minimum=1)
# Outgoing calls to a gateway (create, query, refund) give up after this many seconds.
PAYMENT_GATEWAY_TIMEOUT_SECONDS = env_int("PAYMENT_GATEWAY_TIMEOUT_SECONDS", 10, minimum=1)
# The marketplace's commission on what a seller keeps of each paid seller order
# (payments.ledger), in basis points (300 is 3 %) per seller kind
# (market.sellers.models.Seller.Kind), "default" standing for the kinds without a rate:
# "default:500,cooperative:300" or JSON ({"default": 500, "cooperative": 300}); the kinds
# named replace the rates below, the others keep them. Cooperatives and household
# businesses pay less.
MARKETPLACE_COMMISSION_RATES = env_basis_points(
    "MARKETPLACE_COMMISSION_RATES",
    {"default": 500, "cooperative": 300, "household": 400},
    keys=("default", "cooperative", "enterprise", "household", "establishment"),
)

# Health checks give up on a silent service after this many seconds.
HEALTH_CHECK_TIMEOUT = env_int("HEALTH_CHECK_TIMEOUT", 2, minimum=1)

# GraphQL: abusive queries are refused before they run.
GRAPHENE = {"SCHEMA": "market.schema.schema", "ATOMIC_MUTATIONS": True}
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 12, minimum=2)
GRAPHQL_MAX_COST = env_int("GRAPHQL_MAX_COST", 50_000, minimum=1)
GRAPHQL_MAX_QUERY_BYTES = env_int("GRAPHQL_MAX_QUERY_BYTES", 64 * 1024, minimum=1024)
# Fields an operation selects once its fragments are expanded (GraphiQL's
# introspection query selects about 200), the most selections of one field in one
# selection set (aliases and fragment repeats), and root fields per operation.
GRAPHQL_MAX_FIELDS = env_int("GRAPHQL_MAX_FIELDS", 2_000, minimum=10)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 20, minimum=1)
GRAPHQL_MAX_ROOT_FIELDS = env_int("GRAPHQL_MAX_ROOT_FIELDS", 30, minimum=1)
# `__schema` and `__type` queries, and "Did you mean …?" in error messages (which
# would spell the schema out to whoever guesses): often off in production.
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", default=True)
# GraphiQL, the in-browser IDE on GET /graphql/, from the project's own static files;
# off by default in production, where a browser then gets the JSON answer.
GRAPHIQL = env_bool("GRAPHIQL", default=DEBUG)

# CORS: storefronts on these origins may call /graphql/ from a browser. Sign-in is a
# bearer token, never a cookie, so no credentials are allowed.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", ["http://localhost:3000"])
CORS_URLS_REGEX = r"^/graphql/$"
CORS_ALLOW_METHODS = ("GET", "POST", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "accept-language", "authorization", "content-type")
CORS_ALLOW_CREDENTIALS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # An eager task runs inside the request or command that queued it: a line per
    # success there is noise (a worker logs its own).
    "loggers": {"celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"}},
}
AUTH_USER_MODEL = "accounts.User"

# JWT: short-lived access tokens, longer refresh tokens that can be revoked.
JWT_ACCESS_TTL_SECONDS = env_int("JWT_ACCESS_TTL_SECONDS", 5 * 60, minimum=30)
JWT_REFRESH_TTL_SECONDS = env_int("JWT_REFRESH_TTL_SECONDS", 30 * 24 * 3600, minimum=60)
JWT_ALGORITHM = "HS256"

# Throttles (market.core.throttle, policy in market.accounts.throttling): attempts per
# window, written as "5/15 minutes" or "100/hour". Counted in Redis on REDIS_URL under
# THROTTLE_KEY_PREFIX, shared by every worker; in memory when REDIS_URL is unset.
THROTTLE_KEY_PREFIX = env_str("THROTTLE_KEY_PREFIX", "ocop-throttle")
# Proxies of ours in front of the app, each appending to X-Forwarded-For; 0 believes
# REMOTE_ADDR only (a client could write anything in the header).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
SIGN_IN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS = env_rate(
    "SIGN_IN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS", "5/15 minutes"
)
# Many buyers can share one mobile network's address: high, against credential stuffing.
SIGN_IN_ATTEMPTS_PER_ADDRESS = env_rate("SIGN_IN_ATTEMPTS_PER_ADDRESS", "100/hour")
# From all addresses together, except those the account signed in from in the last
# SIGN_IN_KNOWN_ADDRESS_DAYS days: an attack from many places cannot lock the owner out.
SIGN_IN_ATTEMPTS_PER_ACCOUNT = env_rate("SIGN_IN_ATTEMPTS_PER_ACCOUNT", "20/hour")
SIGN_IN_KNOWN_ADDRESS_DAYS = env_int("SIGN_IN_KNOWN_ADDRESS_DAYS", 30, minimum=1)
PASSWORD_RESET_REQUESTS_PER_ACCOUNT_AND_ADDRESS = env_rate(
    "PASSWORD_RESET_REQUESTS_PER_ACCOUNT_AND_ADDRESS", "5/hour"
)
PASSWORD_RESET_REQUESTS_PER_ADDRESS = env_rate("PASSWORD_RESET_REQUESTS_PER_ADDRESS", "20/hour")
SET_PASSWORD_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS = env_rate(
    "SET_PASSWORD_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS", "5/15 minutes"
)
SET_PASSWORD_ATTEMPTS_PER_ADDRESS = env_rate("SET_PASSWORD_ATTEMPTS_PER_ADDRESS", "20/hour")

# The storefront's base URL: product links in the feeds for the provincial site
# are ``<STOREFRONT_URL>/products/<slug>/``.
STOREFRONT_URL = env_url("STOREFRONT_URL", schemes=("http", "https")) or "http://127.0.0.1:8000"
# Set-password links (password reset, staff invitations) lead to the storefront's
# page, which sends the email and token back with `setPassword`. Links are built
# from this setting only, never from a URL sent by a client (no open redirect).
STOREFRONT_SET_PASSWORD_URL = env_url("STOREFRONT_SET_PASSWORD_URL", schemes=("http", "https")) or (
    "http://localhost:3000/tai-khoan/dat-mat-khau"
)
# A link stays valid this long (Django's token generator), and is emailed at most
# once per interval to one account, so the request cannot be used to flood a mailbox.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600, minimum=300)
PASSWORD_RESET_REQUEST_INTERVAL_SECONDS = env_int(
    "PASSWORD_RESET_REQUEST_INTERVAL_SECONDS", 5 * 60, minimum=0
)
# An invitation to a seller's staff waits this many days for the invited person's answer.
SELLER_INVITATION_TTL_DAYS = env_int("SELLER_INVITATION_TTL_DAYS", 7, minimum=1)

# Email: printed on the console unless an SMTP server is configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Sàn OCOP Ninh Thuận <no-reply@localhost>")

# Product pictures: refused above these limits before anything is stored.
MAX_IMAGE_UPLOAD_BYTES = env_int("MAX_IMAGE_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024)
# Below Pillow's own bomb limit (about 89 million), so this setting is what decides.
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 40_000_000, minimum=64 * 64)
# Longest edge of each WebP thumbnail made of a product picture, in pixels.
PRODUCT_THUMBNAIL_SIZES = (64, 128, 256, 512, 1024)

# Periodic tasks, run by `celery -A market beat` in CELERY_TIMEZONE (Asia/Ho_Chi_Minh),
# so "today" is the province's day and not UTC's.
CELERY_BEAT_SCHEDULE = {
    "catalog-expire-ocop-certificates": {
        "task": "catalog.expire_ocop_certificates",
        "schedule": crontab(hour=0, minute=5),
    },
    # Lots whose best-before passed at midnight lose their verified origin.
    "traceability-refresh-expired-origins": {
        "task": "traceability.refresh_expired_origins",
        "schedule": crontab(hour=0, minute=10),
    },
    # Delivers search-index changes that could not be delivered when they were made.
    "search-deliver-outbox": {"task": "search.tasks.deliver_outbox", "schedule": 60.0},
    # Unpaid online orders past their time give their stock back.
    "orders-expire-unpaid": {"task": "orders.expire_unpaid_orders", "schedule": 60.0},
    # Payments still pending are asked about at their gateway (a lost notification).
    "payments-reconcile-pending": {"task": "payments.reconcile_pending", "schedule": 60.0},
    # A cancelled part of a paid order has its share refunded.
    "payments-refund-cancelled-parts": {
        "task": "payments.refund_cancelled_parts",
        "schedule": 60.0,
    },
    # Reservations stop counting by themselves when they end; this only deletes the rows.
    "checkout-delete-ended-reservations": {
        "task": "checkout.delete_ended_reservations",
        "schedule": crontab(minute="*/15"),
    },
    # Certificates sellers added since the registry's last import find their entries.
    "province-registry-rematch": {
        "task": "province.registry_rematch",
        "schedule": crontab(hour=23, minute=30),
    },
    # The month's stock figures (listed, on sale, verified origin), rewritten each night so
    # a closed month keeps its last night's state.
    "province-record-monthly-figures": {
        "task": "province.monthly_figures_record",
        "schedule": crontab(hour=23, minute=50),
    },
    # Closed months' sales added up, for those whose record is missing or stale.
    "province-record-monthly-sales": {
        "task": "province.monthly_sales_record",
        "schedule": crontab(hour=0, minute=30),
    },
}

# The dashboard's sign-in (/province/) is the one session cookie: sent over HTTPS only
# outside a developer's machine, and a civil servant's session lasts a working day.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
# (The tests turn it off: their HTTP clients post the sandboxes' forms to http://127.0.0.1,
# where a client keeps a Secure cookie to itself.)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)

# The province's plan, in basis points, read by the dashboard at call time: OCOP products
# on sale 90 % (the plan's 90 to 100 %), cashless payments 50 % (its "more than 50 %");
# verified origin has no target in the plan, so none unless set (``origin_verified:8000``).
PROVINCE_TARGETS = env_basis_points(
    "PROVINCE_TARGETS",
    {"ocop_on_sale": 9_000, "cashless": 5_000},
    keys=("ocop_on_sale", "cashless", "origin_verified"),
)
# PostgreSQL's sort memory for the dashboard's reads (``work_mem`` syntax; blank: the
# server's own): a year's distinct orders spill past the default 4 MB to disk.
PROVINCE_DASHBOARD_WORK_MEM = env_str("PROVINCE_DASHBOARD_WORK_MEM", "32MB")
# The department's OCOP registry spreadsheet (province.importing): the largest file in
# bytes and the most data rows one import takes (the province lists a few hundred).
PROVINCE_REGISTRY_MAX_BYTES = env_int("PROVINCE_REGISTRY_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
PROVINCE_REGISTRY_MAX_ROWS = env_int("PROVINCE_REGISTRY_MAX_ROWS", 2_000, minimum=1)

# Checkout and orders. A line's stock is reserved this long while the buyer shops; an
# order paid online waits this long for its payment before it gives its stock back.
CHECKOUT_RESERVATION_MINUTES = env_int("CHECKOUT_RESERVATION_MINUTES", 10, minimum=1)
# Guest checkouts started from one network (an IPv4 address, an IPv6 /64) may hold stock:
# this many are allowed, so a script cannot reserve a cooperative's whole stock.
CHECKOUT_GUEST_CREATIONS_PER_ADDRESS = env_rate("CHECKOUT_GUEST_CREATIONS_PER_ADDRESS", "60/hour")
ORDER_PAYMENT_MINUTES = env_int("ORDER_PAYMENT_MINUTES", 30, minimum=1)
# The payment methods a checkout offers, in this order (``payments.methods``).
PAYMENT_METHODS = env_list("PAYMENT_METHODS", ["cod", "vnpay", "momo", "vietqr", "stripe"])
# Queued after a commit that recorded changes in market.core's outbox
# (market.core.changes): search turns them into index updates.
CHANGE_DELIVERY_TASK = "search.tasks.deliver_outbox"

# Traceability. Code formats are not fixed by law (DOMAIN.md): the patterns are settings.
# The defaults take the format seen in practice (VN-<province>OR-0001 for growing areas,
# VN-<province>PH-0001 for packing houses) and the demo data's DEMO-<province>OR-0001.
TRACE_GROWING_AREA_CODE_PATTERN = env_str(
    "TRACE_GROWING_AREA_CODE_PATTERN", r"^(VN|DEMO)-[A-Z]{2}OR-\d{4}$"
)
TRACE_PACKING_HOUSE_CODE_PATTERN = env_str(
    "TRACE_PACKING_HOUSE_CODE_PATTERN", r"^(VN|DEMO)-[A-Z]{2}PH-\d{4}$"
)
# How far outside the coarse outline of Vietnam (traceability/data) a point may lie.
TRACE_BORDER_TOLERANCE_DEGREES = 0.15
# Event times may run ahead of the server's clock by this much (a phone's skew).
TRACE_EVENT_CLOCK_SKEW_SECONDS = env_int("TRACE_EVENT_CLOCK_SKEW_SECONDS", 300, minimum=0)
# The project's own EPCIS vocabulary (bizSteps such as planting, extension fields), the
# `ocop:` prefix of its JSON-LD @context; always ends with "/" so terms append to it.
TRACE_VOCABULARY_BASE = (
    env_url("TRACE_VOCABULARY_BASE", schemes=("http", "https"))
    or "https://ocop.ninhthuan.gov.vn/voc"
) + "/"
# POST /epcis/capture (farm software of a seller's staff): the largest body in bytes, the
# most events in one document, and how many documents one user may send.
TRACE_CAPTURE_MAX_BYTES = env_int("TRACE_CAPTURE_MAX_BYTES", 1024 * 1024, minimum=1024)
TRACE_CAPTURE_MAX_EVENTS = env_int("TRACE_CAPTURE_MAX_EVENTS", 500, minimum=1)
TRACE_CAPTURE_RATE = env_rate("TRACE_CAPTURE_RATE", "60/minute")
# Where the GS1 Digital Link resolver answers (``/01/<GTIN>/10/<lot>``): the base of the URI
# a lot's QR code encodes and the GraphQL ``Lot.digitalLink`` shows.
TRACE_RESOLVER_BASE = (
    env_url("TRACE_RESOLVER_BASE", schemes=("http", "https")) or STOREFRONT_URL
).rstrip("/")
