"""Settings for the LIMS, read from the environment.

Defaults give the *embedded* setup a newcomer can try on a laptop: a SQLite file and a
file-system message queue under ``LIMS_DATA_DIR`` (``./data``), no PostgreSQL, no Redis. Set
``DATABASE_URL`` and ``CELERY_BROKER_URL`` to use PostgreSQL and Redis, as the test suite and
production do. ``LIMS_ENV=production`` switches on the production checks: it refuses to start
without a secret key or with ``DJANGO_DEBUG`` on. Every variable is listed in README.md.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from lims.config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
LIMS_ENV = env_str("LIMS_ENV", "development").lower()
PRODUCTION = LIMS_ENV == "production"
DATA_DIR = Path(env_str("LIMS_DATA_DIR", str(BASE_DIR / "data"))).resolve()

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
SECRET_KEY = env_str("SECRET_KEY")
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("LIMS_ENV=production refuses to run with DJANGO_DEBUG on.")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "LIMS_ENV=production needs SECRET_KEY (or SECRET_KEY_FILE) of at least 50 characters."
        )
elif not SECRET_KEY:
    # Development only: a fixed, obviously unsafe key so that sessions survive restarts.
    SECRET_KEY = "insecure-development-key-never-use-in-production-" + "x" * 20

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_NAME = env_str("LIMS_SITE_NAME", "Microscopy LIMS")
# Who publishes the facility's datasets (citations, JSON-LD, DataCite, OAI-PMH).
LIMS_PUBLISHER = env_str("LIMS_PUBLISHER", SITE_NAME)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "lims.core",
    "lims.audit",
    "lims.accounts",
    "lims.groups",
    "lims.projects",
    "lims.datasets",
    "lims.instruments",
    "lims.files",
    "lims.comments",
    "lims.notes",
    "lims.sharing",
    "lims.search",
    "lims.ops",
    "lims.web",
    "lims.bench",
]

MIDDLEWARE = [
    # First: a malformed Content-Length is a 400 before anything reads it, and a body that
    # ends before its Content-Length is refused, never taken as complete.
    "lims.core.http.RequestBodyMiddleware",
    # A NUL character in the query string is a 400 before any filter passes it to PostgreSQL.
    "lims.core.middleware.QueryStringMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "lims.ops.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lims.audit.context.AuditContextMiddleware",
    # Answers a locked-out sign-in with the lockout page (django-axes).
    "axes.middleware.AxesMiddleware",
    "lims.api.middleware.LegacyApiMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "lims.config.urls"
WSGI_APPLICATION = "lims.config.wsgi.application"
ASGI_APPLICATION = "lims.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lims.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    # Behind PgBouncer in transaction mode a cursor cannot outlive its transaction
    # (docs/operations.md, "PostgreSQL connections").
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("LIMS_DB_PGBOUNCER", False)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "lims.sqlite3",
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
        }
    }
EMBEDDED = DATABASES["default"]["ENGINE"].endswith("sqlite3")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caching ---------------------------------------------------------------------------------
CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Accounts and security -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First: refuses sign-in while an account or an address is locked out (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling (django-axes): after LIMS_SIGNIN_FAILURES wrong passwords for one account,
# or from one address, that account or address is locked out for LIMS_SIGNIN_LOCKOUT_MINUTES
# (429, a page saying so); a right password resets the account's count. The failures are rows
# in the database, which facility managers see (and clear) in the admin.
AXES_FAILURE_LIMIT = env_int("LIMS_SIGNIN_FAILURES", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LIMS_SIGNIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Behind nginx the client's address is the last one it appends to X-Forwarded-For.
LIMS_PROXY_COUNT = env_int("LIMS_PROXY_COUNT", 1 if PRODUCTION else 0)
AXES_IPWARE_PROXY_COUNT = LIMS_PROXY_COUNT
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Single sign-on through OpenID Connect: on when a client id is configured. Accounts are matched
# by e-mail; LIMS_OIDC_CREATE_USERS lets unknown people in as new accounts without any role.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("lims.accounts.backends.FacilityOIDCBackend")
    OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT") or None
    OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
    OIDC_CREATE_USER = env_bool("LIMS_OIDC_CREATE_USERS", False)
    OIDC_USE_PKCE = True
    OIDC_TIMEOUT = 10
    LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
    missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
        )
        if not globals()[name]
    ]
    if OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")) and not OIDC_OP_JWKS_ENDPOINT:
        missing.append("OIDC_OP_JWKS_ENDPOINT")
    if missing:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set; set {', '.join(missing)} too.")
#: The name of the sign-on button on the sign-in page.
OIDC_PROVIDER_NAME = env_str("LIMS_OIDC_PROVIDER_NAME", "single sign-on")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Sends the preload directive only; joining browsers' preload lists is a separate, manual step.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ----------------------------------------------------------------
STATIC_URL = "/static/"
# Production serves what `collectstatic` gathered into STATIC_ROOT; elsewhere WhiteNoise finds
# the files where they are, so no collectstatic step is needed to try the LIMS.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "staticfiles"))) if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()
# Where instrument files, previews and exports are stored: "local" (MEDIA_ROOT), "s3" (any
# S3-compatible object store, through django-storages), or a storage class's dotted path.
LIMS_STORAGE_BACKEND = env_str("LIMS_STORAGE_BACKEND", "local")
STORAGE_BACKENDS = {
    "local": "lims.core.storage.InstrumentStorage",
    "s3": "lims.core.objectstorage.InstrumentS3Storage",
}
# How downloads and previews leave the server once the permission check passed: "stream"
# (through the application), "accel" (nginx sends the file named in X-Accel-Redirect; local
# storage) or "redirect" (a short-lived signed URL of the object store).
LIMS_DOWNLOADS = env_str("LIMS_DOWNLOADS", "stream")
if LIMS_DOWNLOADS not in {"stream", "accel", "redirect"}:
    raise ImproperlyConfigured("LIMS_DOWNLOADS must be stream, accel or redirect.")
LIMS_ACCEL_REDIRECT_PREFIX = env_str("LIMS_ACCEL_REDIRECT_PREFIX", "/protected/")
LIMS_SIGNED_URL_EXPIRE_S = env_int("LIMS_SIGNED_URL_EXPIRE_S", 60)
# Chunked uploads assemble in the object store as multipart uploads (no local full copy).
LIMS_UPLOAD_MULTIPART = env_bool("LIMS_UPLOAD_MULTIPART", True)
_default_storage: dict[str, object] = {
    "BACKEND": STORAGE_BACKENDS.get(LIMS_STORAGE_BACKEND, LIMS_STORAGE_BACKEND)
}
if LIMS_STORAGE_BACKEND == "s3":
    if not env_str("LIMS_S3_BUCKET"):
        raise ImproperlyConfigured("LIMS_STORAGE_BACKEND=s3 needs LIMS_S3_BUCKET.")
    _default_storage["OPTIONS"] = {
        "bucket_name": env_str("LIMS_S3_BUCKET"),
        "endpoint_url": env_str("LIMS_S3_ENDPOINT_URL") or None,
        "region_name": env_str("LIMS_S3_REGION") or None,
        "access_key": env_str("LIMS_S3_ACCESS_KEY_ID") or None,
        "secret_key": env_str("LIMS_S3_SECRET_ACCESS_KEY") or None,
        "addressing_style": env_str("LIMS_S3_ADDRESSING_STYLE") or None,
        "querystring_expire": LIMS_SIGNED_URL_EXPIRE_S,
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads stream to temporary files: nothing larger than this sits in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = env_str("FILE_UPLOAD_TEMP_DIR") or None
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest instrument file accepted (bytes); 50 GB by default.
LIMS_MAX_UPLOAD_BYTES = env_int("LIMS_MAX_UPLOAD_BYTES", 50 * 1024**3)
# The chunk size a chunked upload's session asks its client for (bytes; the browser and the
# Python client use it; any size is accepted). A proxy in front that limits request bodies
# needs this below its limit.
LIMS_UPLOAD_CHUNK_BYTES = env_int("LIMS_UPLOAD_CHUNK_BYTES", 64 * 1024**2)
# Deleted projects, datasets and files stay restorable this long, then are purged with their bytes.
LIMS_TRASH_RETENTION_DAYS = env_int("LIMS_TRASH_RETENTION_DAYS", 30)
# The longest a share link may last.
LIMS_SHARE_LINK_MAX_DAYS = env_int("LIMS_SHARE_LINK_MAX_DAYS", 90)
# How long an invitation to a project, sent by e-mail, can be accepted.
LIMS_INVITATION_DAYS = env_int("LIMS_INVITATION_DAYS", 14)

# --- Background work -------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
if not CELERY_BROKER_URL:
    # Embedded default: a broker that is just a folder, so no server is needed.
    _broker_dir = DATA_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange declarations; kombu would otherwise write them to ./control.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("LIMS_TASKS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Celery's Django fix-up closes the database connection before and after every task unless
# this is set: a new PostgreSQL backend per extraction (connecting, then cold catalog caches
# on every first statement) cost tens of milliseconds a run. Connections are kept as a web
# process keeps them: closed after a task when broken or older than CONN_MAX_AGE
# (lims/config/celery.py), and by the fix-up after this many tasks.
CELERY_DB_REUSE_MAX = env_int("LIMS_CELERY_DB_REUSE_MAX", 1000)

# How long one file's extraction may run, and how much memory it may take.
LIMS_EXTRACTION_TIMEOUT_S = env_int("LIMS_EXTRACTION_TIMEOUT_S", 900)
LIMS_EXTRACTION_MEMORY_MB = env_int("LIMS_EXTRACTION_MEMORY_MB", 4096)
# Each worker process extracts in one warm child (the readers imported once), replaced after
# this many files, or when its resident memory grew this much over its start (and after any
# crash, timeout or file that reached the memory limit). 1 gives a fresh child per file.
LIMS_EXTRACTION_CHILD_MAX_FILES = env_int("LIMS_EXTRACTION_CHILD_MAX_FILES", 500)
LIMS_EXTRACTION_CHILD_MAX_GROWTH_MB = env_int("LIMS_EXTRACTION_CHILD_MAX_GROWTH_MB", 512)

# Two queues: "extraction" for the heavy per-file work, "default" for light work (fan-out of
# re-extractions, clean-up), so a burst of big files never blocks the rest. Workers on any
# number of hosts consume them (see docs/ingest.md).
CELERY_TASK_ROUTES = {"files.extract_file": {"queue": "extraction"}}
# The extraction child process is stopped after LIMS_EXTRACTION_TIMEOUT_S; the task gets a
# little more for storing the results, then a hard kill.
LIMS_EXTRACTION_SOFT_TIME_LIMIT_S = LIMS_EXTRACTION_TIMEOUT_S + 120
LIMS_EXTRACTION_HARD_TIME_LIMIT_S = LIMS_EXTRACTION_TIMEOUT_S + 180
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
# A .emi or .rpl uploaded before its data files waits this long before extraction.
LIMS_COMPANION_WAIT_S = env_int("LIMS_COMPANION_WAIT_S", 5)
# A run still queued this long after the hard time limit (its message lost) is sent again.
LIMS_RUN_RECOVERY_GRACE_S = env_int("LIMS_RUN_RECOVERY_GRACE_S", 600)
# A worker holds a lease on the run it extracts and renews it while it works; a lease that
# ran out means the worker died (killed, out of memory, its host gone). The recovery looks
# for such runs every LIMS_RUN_RECOVERY_INTERVAL_S and sends them to another worker.
LIMS_RUN_LEASE_S = env_int("LIMS_RUN_LEASE_S", 60)
LIMS_RUN_RECOVERY_INTERVAL_S = env_int("LIMS_RUN_RECOVERY_INTERVAL_S", 60)
# Search (PostgreSQL): each process keeps the index's facet matrix in memory and follows the
# index's change log (lims/search/matrix.py); the log keeps this long (a process idle for half
# of it reloads). LIMS_SEARCH_MATRIX=false searches with SQL alone.
LIMS_SEARCH_MATRIX = env_bool("LIMS_SEARCH_MATRIX", True)
# How a process loads its matrix (half a minute at a million files): "background" (a thread;
# its searches run on SQL until the matrix is there) or "wait" (the search that needs it loads
# it: the tests, and benchmarks that time the warm matrix).
LIMS_SEARCH_MATRIX_LOAD = env_str("LIMS_SEARCH_MATRIX_LOAD", "background")
if LIMS_SEARCH_MATRIX_LOAD not in ("background", "wait"):
    raise ImproperlyConfigured("LIMS_SEARCH_MATRIX_LOAD is background or wait.")
LIMS_SEARCH_CHANGES_KEEP_S = env_int("LIMS_SEARCH_CHANGES_KEEP_S", 24 * 3600)
# Periodic upkeep, run by `celery -A lims beat` (or a worker started with -B): exactly one
# beat process in the whole installation.
CELERY_BEAT_SCHEDULE = {
    "recover-lost-extraction-runs": {
        "task": "files.recover_lost_runs",
        "schedule": float(LIMS_RUN_RECOVERY_INTERVAL_S),
    },
    "expire-idle-upload-sessions": {
        "task": "files.expire_upload_sessions",
        "schedule": 6 * 3600.0,
    },
    "purge-old-trash": {
        "task": "files.purge_trash",
        "schedule": 24 * 3600.0,
    },
    "prune-search-changes": {
        "task": "search.prune_changes",
        "schedule": 3600.0,
    },
    "check-fixity": {
        "task": "ops.check_fixity",
        "schedule": float(env_int("LIMS_FIXITY_INTERVAL_S", 3600)),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # An unacknowledged message (its worker was killed) goes back to the queue after this
    # long; it must exceed the longest task, or a slow task would be delivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int(
            "LIMS_BROKER_VISIBILITY_TIMEOUT_S", max(3600, 2 * LIMS_EXTRACTION_HARD_TIME_LIMIT_S)
        ),
        "unacked_restore_interval": env_int("LIMS_BROKER_RESTORE_INTERVAL_S", 10),
        "unacked_restore_throttle": 1,
        # A broker that accepts connections but never answers (hung, or a half-open network)
        # must fail a send within seconds, not hold an upload's request forever.
        "socket_timeout": env_int("LIMS_BROKER_SOCKET_TIMEOUT_S", 5),
        "socket_connect_timeout": env_int("LIMS_BROKER_SOCKET_TIMEOUT_S", 5),
    }

# --- Operations ------------------------------------------------------------------------------
# Fixity: each periodic run re-hashes stored files for at most this long, at most this fast,
# and goes on where the previous run stopped.
LIMS_FIXITY_SECONDS_PER_RUN = env_int("LIMS_FIXITY_SECONDS_PER_RUN", 600)
LIMS_FIXITY_MAX_MB_PER_S = env_int("LIMS_FIXITY_MAX_MB_PER_S", 50)
# /health/ready fails when no worker answers a ping (web hosts behind a load balancer that
# should stay in rotation without workers set it to false).
LIMS_READY_REQUIRES_WORKER = env_bool("LIMS_READY_REQUIRES_WORKER", True)
# How long /health/ready waits for the first worker's answer to its ping, in seconds.
LIMS_READY_WORKER_TIMEOUT = env_int("LIMS_READY_WORKER_TIMEOUT", 1)
# /metrics: with a token, Prometheus sends "Authorization: Bearer <token>"; without one, only
# direct (not proxied) requests from this host are answered.
LIMS_METRICS_TOKEN = env_str("LIMS_METRICS_TOKEN")
# A worker serves its own metrics (extraction durations and failures) on this port; 0: none.
LIMS_WORKER_METRICS_PORT = env_int("LIMS_WORKER_METRICS_PORT", 0)
SERVER_EMAIL = env_str("SERVER_EMAIL", "lims@localhost")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", SERVER_EMAIL)
# OAI-PMH: the domain in record identifiers (oai:<domain>:<uid>; default: the request's host)
# and the address harvesters write to.
LIMS_OAI_NAMESPACE = env_str("LIMS_OAI_NAMESPACE", "")
LIMS_OAI_ADMIN_EMAIL = env_str("LIMS_OAI_ADMIN_EMAIL", SERVER_EMAIL)
# DOIs through DataCite (off unless the prefix and the repository account are set).
LIMS_DATACITE_API = env_str("LIMS_DATACITE_API", "https://api.datacite.org")
LIMS_DATACITE_PREFIX = env_str("LIMS_DATACITE_PREFIX", "")
LIMS_DATACITE_USER = env_str("LIMS_DATACITE_USER", "")
LIMS_DATACITE_PASSWORD = env_str("LIMS_DATACITE_PASSWORD", "")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
if not PRODUCTION and not EMAIL_HOST_USER:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: a client with a bad token is told 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lims.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "lims.api.pagination.PageNumbers",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lims.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "lims.api.throttling.TokenRateThrottle",
        "lims.api.throttling.AnonymousRateThrottle",
    ],
    # Per token (or session user) and per anonymous address; counted in CACHE_URL's cache
    # (set it to Redis in production, or each web process counts on its own).
    # The client's address for throttling: the proxies' count, so a forged X-Forwarded-For
    # cannot make a new client of every request.
    "NUM_PROXIES": LIMS_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("LIMS_API_RATE", "1200/minute"),
        "anon": env_str("LIMS_API_ANON_RATE", "120/minute"),
    },
}
# Wrong API tokens: this many from one address within the window (seconds) and that address's
# token requests are refused (429) until the window has passed.
LIMS_API_TOKEN_FAILURES = env_int("LIMS_API_TOKEN_FAILURES", 20)
LIMS_API_TOKEN_FAILURE_WINDOW = env_int("LIMS_API_TOKEN_FAILURE_WINDOW", 300)
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": "Projects, datasets and instrument files of the microscopy facility.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served by the app: facilities run on closed networks.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would send the schema to an online validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["lims.api.schema.only_v1"],
}

# --- Content-Security-Policy (django-csp) -------------------------------------------------------
# Scripts, styles, images and requests from the LIMS itself only: no inline script, no inline
# style, no handler attributes (the pages put behaviour in static/js and looks in app.css).
# Previews may be data: or blob: URLs drawn in the browser. The API's documentation pages
# (Swagger UI, ReDoc) need inline code and get their own, wider policy (lims/api/urls.py).
# LIMS_CSP_REPORT_URI sends violation reports to a collector.
CSP_REPORT_URI = env_str("LIMS_CSP_REPORT_URI")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", *env_list("LIMS_CSP_FORM_ACTION")],
        "frame-ancestors": ["'none'"],
        **(
            {"report-uri": [env_str("LIMS_CSP_REPORT_URI")]}
            if env_str("LIMS_CSP_REPORT_URI")
            else {}
        ),
    }
}

# --- Logging ---------------------------------------------------------------------------------
# "json": one JSON object per line with the request's or the Celery task's id (for a log
# collector); "plain": readable lines. Both carry the ids.
LIMS_LOG_FORMAT = env_str("LIMS_LOG_FORMAT", "json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"ids": {"()": "lims.ops.logs.ContextIdsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(context_id)s]: %(message)s"},
        "json": {"()": "lims.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LIMS_LOG_FORMAT == "json" else "plain",
            "filters": ["ids"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "hyperspy": {"level": "ERROR"},
        "rsciio": {"level": "ERROR"},
        # django-axes says at INFO what every sign-in does; lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}
# Celery workers log through the same handler (and format) instead of their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
