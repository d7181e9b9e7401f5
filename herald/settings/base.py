"""Settings shared by every environment, read from environment variables.

Each variable is described in the README. Environment-specific modules
(`dev`, `test`, `production`) import from here and change only what differs.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


SECRET_KEY = env("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [
    h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "alerts",
    "subscriptions",
    "search",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_countries",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # ETag on every page and API answer without one, and 304 to a client
    # that has it already (the feeds set their own).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Feeds name their language in their address, not by Accept-Language.
    "alerts.middleware.FixedLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "herald.urls"
WSGI_APPLICATION = "herald.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alerts.context_processors.language",
            ],
        },
    },
]

# Database: DATABASE_URL (PostgreSQL in production); an SQLite file otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
# An SQLite file keeps a write-ahead log, so pages and searches read while a
# write runs (a search reindex is one long write); writers take the lock when
# their transaction begins and wait up to 20 seconds for it rather than fail
# at once with "database is locked".
SQLITE_FILE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and DATABASES[
    "default"
]["NAME"] not in ("", ":memory:"):
    DATABASES["default"]["OPTIONS"] = {
        **SQLITE_FILE_OPTIONS,
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Broker, cache and rate limits: REDIS_URL. Without it tasks run in-process
# and the cache is local to the process. Pages and feeds pass a Redis outage
# over; rate limits have their own alias on the same store, which fails
# closed (nothing is sent while the counts cannot be kept).
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "herald.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "herald",
        },
        "ratelimits": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "herald",
        },
    }
else:
    # Both aliases on one local store, so clearing the cache clears both.
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "herald",
        }
        for alias in ("default", "ratelimits")
    }
RATELIMIT_USE_CACHE = "ratelimits"

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ROUTES = ("subscriptions.queues.route_task",)
CELERY_TASK_DEFAULT_QUEUE = "dispatch"
# Periodic work run by `make worker` (Celery beat). Without Redis,
# `manage.py herald_worker_loop` runs the same tasks in-process.
CELERY_BEAT_SCHEDULE = {
    "publish-scheduled-pages": {
        "task": "alerts.tasks.publish_scheduled_pages",
        "schedule": 60.0,
    },
    # Hourly rather than daily: a daily interval counts from whenever beat
    # started, not from local midnight, and a worker down at midnight would
    # miss the day. Hourly, a removed entry leaves search within the hour,
    # and the task is one small query when nothing is due.
    "announce-blacklist-removals": {
        "task": "alerts.tasks.announce_blacklist_removals",
        "schedule": 3600.0,
    },
    "sweep-pending-notices": {
        "task": "subscriptions.tasks.sweep_pending_notices",
        "schedule": 60.0,
    },
    "send-daily-digests": {
        "task": "subscriptions.tasks.send_due_digests",
        "schedule": 60.0,
    },
    "check-unsent-urgent-notices": {
        "task": "subscriptions.tasks.check_unsent_urgent_notices",
        "schedule": 60.0,
    },
    "erase-departed-subscribers": {
        "task": "subscriptions.privacy.erase_departed_subscribers",
        "schedule": 3600.0,
    },
    "retry-search-index-updates": {
        "task": "search.tasks.retry_pending_index_updates",
        "schedule": 60.0,
    },
}

# Search: ELASTICSEARCH_URL selects the Elasticsearch backend; without it the
# embedded database backend answers.
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
HERALD_SEARCH_BACKEND = (
    "search.backends.elasticsearch.ElasticsearchBackend"
    if ELASTICSEARCH_URL
    else "search.backends.database.DatabaseBackend"
)
HERALD_SEARCH_INDEX_PREFIX = env("HERALD_SEARCH_INDEX_PREFIX", "herald")

# Wagtail's own admin search stays on the database.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# Public address used in every message, feed and CAP document.
HERALD_BASE_URL = env("HERALD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = HERALD_BASE_URL
WAGTAIL_SITE_NAME = "Herald"
# The authority's name in each language: the sender of CAP messages and the
# author of feeds.
HERALD_AUTHORITY_NAME = env("HERALD_AUTHORITY_NAME", "产品质量安全风险预警中心")
HERALD_AUTHORITY_NAME_EN = env(
    "HERALD_AUTHORITY_NAME_EN", "Product Quality and Safety Risk Warning Centre"
)
HERALD_CAP_SENDER = env("HERALD_CAP_SENDER", "alerts@herald.example.gov.cn")
# The domain name feed guids and ids are minted under (tag: URIs, RFC 4151),
# so they outlive a change of HERALD_BASE_URL; empty: see feeds.tag_authority.
HERALD_TAG_AUTHORITY = env("HERALD_TAG_AUTHORITY", "")
HERALD_SMS_SIGNATURE = env("HERALD_SMS_SIGNATURE", "【产品安全预警】")
HERALD_SMS_MAX_SEGMENTS = int(env("HERALD_SMS_MAX_SEGMENTS", "2"))

# Email: SMTP when EMAIL_HOST is set, otherwise the outbox staff open in the
# admin.
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Herald <alerts@herald.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "subscriptions.channels.outbox.OutboxEmailBackend"
)

# SMS: Twilio when TWILIO_ACCOUNT_SID is set, otherwise the outbox.
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID")
TWILIO_FROM = env("TWILIO_FROM")
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL")
HERALD_SMS_PROVIDER = env(
    "HERALD_SMS_PROVIDER",
    "subscriptions.channels.sms.TwilioSmsProvider"
    if TWILIO_ACCOUNT_SID
    else "subscriptions.channels.sms.OutboxSmsProvider",
)

# Delivery pipeline.
HERALD_SEND_CHUNK_SIZE = int(env("HERALD_SEND_CHUNK_SIZE", "200"))
HERALD_SEND_MAX_RETRIES = int(env("HERALD_SEND_MAX_RETRIES", "5"))
HERALD_RATE_LIMITS = {
    "sms": float(env("HERALD_SMS_RATE", "100")),
    "email": float(env("HERALD_EMAIL_RATE", "500")),
}
HERALD_DIGEST_TIME = env("HERALD_DIGEST_TIME", "08:00")
# Rate limits (subscription pages, API) count visitors by IP address. Behind
# N reverse proxies that append to X-Forwarded-For, set this to N; otherwise
# every visitor counts as the proxy. (Limits: subscriptions/ratelimits.py.)
HERALD_TRUSTED_PROXIES = int(env("HERALD_TRUSTED_PROXIES", "0"))

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = False

# Regions are named as the authority names them, and the origins goods most
# often come from head every country list.
COUNTRIES_OVERRIDE = {
    "TW": gettext_lazy("Taiwan, China"),
    "HK": gettext_lazy("Hong Kong, China"),
    "MO": gettext_lazy("Macao, China"),
}
COUNTRIES_FIRST = ["CN", "US", "DE", "JP", "KR", "VN", "IT", "FR", "GB", "IN"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx", "zip"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "filters": {
        "redact_subscriber_links": {
            "()": "subscriptions.logfilters.RedactSubscriberLinks"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_subscriber_links"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django gives these two handlers of its own, without the filter:
        # "Not Found: <path>" and the development server's request lines
        # would carry link tokens. Named here, they write through ours only.
        "django": {
            "handlers": ["console"],
            "level": env("LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        "django.server": {
            "handlers": ["console"],
            "level": env("LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        "jieba": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # The twilio client logs every request and answer at INFO; our own
        # send log says what matters, with ids.
        "twilio.http_client": {"level": "WARNING"},
    },
}
# A Celery worker keeps the handlers above instead of putting its own,
# unfiltered one on the root logger.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Open data: requests a client may make to /api/v1/ per window ("120/60" is
# 120 a minute); clients are told apart as HERALD_TRUSTED_PROXIES says.
HERALD_API_RATE_LIMIT = env("HERALD_API_RATE_LIMIT", "120/60")


# Delivery engine. Workers take from the first non-empty queue in
# the order of subscriptions/queues.py: codes, matching, level I-II, level
# III-IV.
CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] = "priority"
# Rate limits: at most HERALD_RATE_BURST messages at once, then one every
# 1 / rate seconds (HERALD_SMS_RATE, HERALD_EMAIL_RATE above).
HERALD_RATE_BURST = int(env("HERALD_RATE_BURST", "1"))
# Subscriber ids matched per slice. The first slice is smaller; the
# messages of the first slices, up to HERALD_DISPATCH_FIRST_WAVE of them,
# leave at once, the rest when every row of the notice is written.
HERALD_DISPATCH_SLICE = int(env("HERALD_DISPATCH_SLICE", "20000"))
HERALD_DISPATCH_FIRST_SLICE = int(env("HERALD_DISPATCH_FIRST_SLICE", "3000"))
HERALD_DISPATCH_FIRST_WAVE = int(env("HERALD_DISPATCH_FIRST_WAVE", "2000"))
HERALD_SEND_RETRY_BASE_SECONDS = float(env("HERALD_SEND_RETRY_BASE_SECONDS", "5"))
HERALD_SEND_RETRY_MAX_SECONDS = float(env("HERALD_SEND_RETRY_MAX_SECONDS", "600"))
# A delivery handed over this long ago and still unrecorded was sent by a
# worker that died: it is recorded as sent, never sent twice.
HERALD_SEND_CLAIM_TIMEOUT = float(env("HERALD_SEND_CLAIM_TIMEOUT", "120"))
# A queued delivery whose send task was due this long ago is queued again;
# once nothing waits in its queue (a worker that died had taken it), after
# HERALD_SEND_LOST_SECONDS.
HERALD_SEND_STALE_SECONDS = float(env("HERALD_SEND_STALE_SECONDS", "900"))
HERALD_SEND_LOST_SECONDS = float(env("HERALD_SEND_LOST_SECONDS", "60"))
# Daily digests: local time and zone.
HERALD_DIGEST_TIMEZONE = env("HERALD_DIGEST_TIMEZONE", "Asia/Shanghai")
# A level I or II notice with nothing sent this long after issue raises a
# warning in the admin.
HERALD_URGENT_UNSENT_MINUTES = int(env("HERALD_URGENT_UNSENT_MINUTES", "5"))
# How often the sweeper runs (seconds); tests shorten it.
CELERY_BEAT_SCHEDULE["sweep-pending-notices"]["schedule"] = float(
    env("HERALD_SWEEP_SECONDS", "60")
)
# Slots of the rate limit are this much wider than 1 / rate, so that jitter in
# handing messages over never puts a provider's second over its rate.
HERALD_RATE_HEADROOM = float(env("HERALD_RATE_HEADROOM", "0.02"))
