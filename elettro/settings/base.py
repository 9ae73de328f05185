"""Settings shared by every environment. Everything secret or machine-specific comes from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)

# ---------------------------------------------------------------- hosts and tenancy
# The public site lives at BASE_DOMAIN; each company at <subdomain>.BASE_DOMAIN.
BASE_DOMAIN = env("BASE_DOMAIN", default="localhost")
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *env.list("EXTRA_ALLOWED_HOSTS", default=[])]
# How links to the site are built in emails, redirects and printed URLs: scheme and port of the public entry.
SITE_SCHEME = env("SITE_SCHEME", default="http")
SITE_PORT = env.int("SITE_PORT", default=8000)

# ---------------------------------------------------------------- services: embedded when not given
DATABASE_URL = env("DATABASE_URL", default="")
REDIS_URL = env("REDIS_URL", default="")

if DATABASE_URL:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    from elettro.embedded import ensure_postgres

    _pg = ensure_postgres()
    DATABASES = {"default": {"NAME": _pg.name, "USER": _pg.user, "HOST": _pg.host, "PORT": _pg.port}}

if not REDIS_URL:
    from elettro.embedded import ensure_redis

    REDIS_URL = ensure_redis() + "/0"

if env("ELETTRO_DB_NAME", default=""):  # lets a test worker process reach the test database
    DATABASES["default"]["NAME"] = env("ELETTRO_DB_NAME")
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Nothing waits on PostgreSQL for ever: a connection attempt, a statement, a transaction left idle, and a server
# that vanished (TCP keepalives notice it in about a minute instead of the kernel's two hours).
DATABASES["default"].setdefault("OPTIONS", {}).update(
    {
        "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=10),
        "options": f"-c statement_timeout={env.int('DB_STATEMENT_TIMEOUT_MS', default=600_000)} "
        f"-c idle_in_transaction_session_timeout={env.int('DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', default=900_000)}",
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
)
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

# Shared apps live in the public schema; tenant apps get their tables in every company's schema.
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
    "allauth",
    "allauth.account",
    "allauth.mfa",  # two-factor sign-in: TOTP and recovery codes (tenants/two_factor.py)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the API docs' Swagger UI and ReDoc, served from our own static files
]
TENANT_APPS = [
    "ingestion",
    "analytics",
    "reports",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Company"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "elettro.urls_public"
ROOT_URLCONF = "elettro.urls_tenant"
# New companies are cloned from a prepared, fully migrated template schema instead of migrating from scratch.
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_BASE_SCHEMA = "tenant_template"
# Spare clones of the template kept ready so signup renames one instead of cloning (tenants/schema_pool.py).
SCHEMA_POOL_SIZE = env.int("SCHEMA_POOL_SIZE", default=3)

MIDDLEWARE = [
    "elettro.request_id.RequestIdMiddleware",  # first: the id and duration cover everything below
    "elettro.security_headers.SecurityHeadersMiddleware",  # CSP nonce, Cache-Control: on every response below
    "elettro.health.HealthMiddleware",  # /health/ answers before anything that needs the database
    "elettro.api.envelope.ApiErrorMiddleware",  # Django's own errors on /api/ paths, in the API's envelope
    "tenants.middleware.CompanyHostMiddleware",
    "elettro.request_checks.RequestChecksMiddleware",  # NUL characters and BadRequest: a 400 with a message
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.middleware.LoginFamilyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "tenants.middleware.CompanyAccessMiddleware",
]
# Security headers (elettro/security_headers.py): the Content-Security-Policy, with a nonce per request for inline
# scripts, is enforced in every environment so the browser tests meet what production sends; CSP_REPORT_ONLY=true
# sends it report-only while a new page's violations are found (never in production).
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

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
                "tenants.context_processors.company",
                "billing.context_processors.billing",
            ],
        },
    },
]
WSGI_APPLICATION = "elettro.wsgi.application"

# ---------------------------------------------------------------- accounts
AUTH_USER_MODEL = "tenants.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "company_picker"
ACCOUNT_LOGOUT_REDIRECT_URL = "landing"
ACCOUNT_ADAPTER = "tenants.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
# Failed logins: 10 per minute per client IP, and 5 per 5 minutes per account from one client IP (the adapter
# keys them by account and IP, so a stranger guessing never locks the owner out). allauth's limiter, in Redis.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key", "login": "30/m/ip", "signup": "20/m/ip"}
# Password reset and login answer the same whether or not an address has an account (the signup page too).
ACCOUNT_PREVENT_ENUMERATION = True
# Our own proxies (addresses or networks, e.g. the load balancer's subnet): X-Forwarded-For is read only when the
# connection comes from one of them (tenants/client_ip.py); with none, the client is REMOTE_ADDR.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Each signup makes a company schema: at most this many per client IP, and in total ("amount/period": s, m, h, d).
SIGNUP_RATE_LIMIT_PER_IP = env("SIGNUP_RATE_LIMIT_PER_IP", default="5/h")
SIGNUP_RATE_LIMIT_TOTAL = env("SIGNUP_RATE_LIMIT_TOTAL", default="30/10m")
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Elettro] "

# Two-factor sign-in (allauth.mfa): an authenticator app (TOTP) with ten one-time recovery codes. A wrong code
# counts against ACCOUNT_RATE_LIMITS["login_failed"] per account; a code is accepted once, only in its own 30 s step
# (tolerance 0: allauth marks a used code for one period, so a wider window would let it be replayed).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Elettro"
MFA_TOTP_TOLERANCE = 0
MFA_FORMS = {
    "authenticate": "tenants.two_factor_forms.AuthenticateForm",
    "reauthenticate": "tenants.two_factor_forms.ReauthenticateForm",
    "activate_totp": "tenants.two_factor_forms.ActivateTOTPForm",
}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 14 * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# A login on the public site is carried to a company's subdomain by a signed one-time hand-off,
# which works for any host name, including *.localhost where browsers refuse shared cookies.
HANDOFF_MAX_AGE_SECONDS = 60

# ---------------------------------------------------------------- email
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# An SMTP server that stops answering fails the send, never holds the worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"Elettro <no-reply@{BASE_DOMAIN}>")

# ---------------------------------------------------------------- report delivery channels
# Elettro's own WhatsApp Business number, used by companies that have not connected theirs (Channels page).
WHATSAPP_PHONE_NUMBER_ID = env("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_ACCESS_TOKEN = env("WHATSAPP_ACCESS_TOKEN", default="")
WHATSAPP_TEMPLATE = env("WHATSAPP_TEMPLATE", default="")
# The approved template alerts are sent with (four body parameters: headline, figures, period, link).
WHATSAPP_ALERT_TEMPLATE = env("WHATSAPP_ALERT_TEMPLATE", default="elettro_alert")
WHATSAPP_GRAPH_BASE = env("WHATSAPP_GRAPH_BASE", default="https://graph.facebook.com/")
WHATSAPP_API_VERSION = env("WHATSAPP_API_VERSION", default="v21.0")
SLACK_API_BASE = env("SLACK_API_BASE", default="https://slack.com/api/")
SLACK_WEBHOOK_HOSTS = env.list("SLACK_WEBHOOK_HOSTS", default=["hooks.slack.com"])
CHANNEL_TIMEOUT_SECONDS = env.int("CHANNEL_TIMEOUT_SECONDS", default=20)
# Every request to another server goes through elettro/outbound.py: https on port 443 to a public address only,
# pinned, no redirects, these limits. OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS lets the test fakes on 127.0.0.1 through;
# only elettro/settings/test.py turns it on, and it is deliberately not read from the environment.
OUTBOUND_DNS_TIMEOUT_SECONDS = env.float("OUTBOUND_DNS_TIMEOUT_SECONDS", default=5.0)
OUTBOUND_CONNECT_TIMEOUT_SECONDS = env.float("OUTBOUND_CONNECT_TIMEOUT_SECONDS", default=5.0)
OUTBOUND_READ_TIMEOUT_SECONDS = env.float("OUTBOUND_READ_TIMEOUT_SECONDS", default=15.0)
OUTBOUND_TOTAL_SECONDS = env.float("OUTBOUND_TOTAL_SECONDS", default=60.0)
OUTBOUND_MAX_RESPONSE_BYTES = env.int("OUTBOUND_MAX_RESPONSE_BYTES", default=2 * 1024 * 1024)
OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS = False
# Each reports worker process starts headless Chromium for chart images when it starts, not on the first report.
REPORTS_WARM_BROWSER = env.bool("REPORTS_WARM_BROWSER", default=True)
# Drawing one chart, starting the browser included (about 3 s cold, 0.2 s warm); past it the report has no charts.
CHART_TIMEOUT_SECONDS = env.int("CHART_TIMEOUT_SECONDS", default=20)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ---------------------------------------------------------------- cache, Celery
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "elettro",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    },
    # Keys that must mean the same on every host (login hand-offs, logouts): no schema prefix.
    "shared": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "elettro-shared",
    },
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Kolkata"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "ingestion.*": {"queue": "etl"},
    "analytics.*": {"queue": "etl"},
    "reports.alerts.*": {"queue": "alerts"},
    "reports.*": {"queue": "reports"},
}
CELERY_WORKER_QUEUES = "default,etl,etl_bulk,reports,alerts"
# A task not acknowledged within this long is handed to another worker: longer than the longest time limit (an
# import's 30 minutes), or a slow import would be run twice while the first is still going.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 10 * 60}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_timeout": 10, "socket_connect_timeout": 10}
CELERY_BROKER_CONNECTION_TIMEOUT = 10
# A running upload or report renews its lease every sixth of this; one not renewed for this long is recovered
# (failed with the reason, and run again once) by the sweeper beat runs every minute.
WORK_LEASE_SECONDS = env.int("WORK_LEASE_SECONDS", default=120)
# The one beat schedule: crontab entries only (an interval restarts from zero whenever beat restarts).
CELERY_BEAT_SCHEDULE = {
    "spare-schemas": {"task": "tenants.schema_pool_refill", "schedule": crontab(minute="*/10")},
    # Uploads and reports whose worker died are failed with the reason and run again once (STUCK_WORK_SWEEPERS).
    "recover-stuck-work": {"task": "tenants.recover_stuck_work", "schedule": crontab()},
    # Report schedules are minute-precise in each company's own time zone.
    "report-schedules": {"task": "reports.dispatch_due", "schedule": crontab()},
    # Every night, each company refreshes its figures; the dispatcher spreads them out.
    "nightly-company-refresh": {
        "task": "tenants.dispatch_to_companies",
        "schedule": crontab(hour=1, minute=30),
        "kwargs": {"task_name": "analytics.nightly_refresh", "stagger_seconds": 5},
    },
    # Alert rules are judged every hour (and after each upload), each company's on the alerts queue.
    "alert-evaluation": {
        "task": "tenants.dispatch_to_companies",
        "schedule": crontab(minute=5),
        "kwargs": {"task_name": "reports.alerts.evaluate", "stagger_seconds": 1},
    },
    # Failed and deleted uploads' files go after UPLOAD_FILE_RETENTION_DAYS (ingestion/retention.py).
    "upload-file-retention": {
        "task": "tenants.dispatch_to_companies",
        "schedule": crontab(hour=2, minute=45),
        "kwargs": {"task_name": "ingestion.upload_files_purge", "stagger_seconds": 1},
    },
    # Generated reports' files go after each company's retention (reports/retention.py); the runs stay.
    "report-file-retention": {
        "task": "tenants.dispatch_to_companies",
        "schedule": crontab(hour=3, minute=15),
        "kwargs": {"task_name": "reports.report_files_purge", "stagger_seconds": 1},
    },
}
STUCK_WORK_SWEEPERS = ["ingestion.recovery.recover_stuck_jobs", "reports.recovery.recover_stuck_runs"]
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / ".data" / "celerybeat-schedule")
# The nightly rebuilds the months whose lines changed, and a company's rollups whole every this many days.
ROLLUP_FULL_REBUILD_DAYS = env.int("ROLLUP_FULL_REBUILD_DAYS", default=7)
# An open dashboard asks this often whether its figures changed (static/js/refresh.js; paused in hidden tabs).
DASHBOARD_POLL_SECONDS = env.int("DASHBOARD_POLL_SECONDS", default=25)
# Called inside the transaction of every change of the sales lines (ingestion/followers.py): when an upload says
# done, the dashboards show it.
LINES_CHANGED_STEPS = ["analytics.rollups.follow"]
# Called once a finished upload is committed (ingestion/followers.py): alerts are judged on the fresh figures.
IMPORT_FINISHED_STEPS = ["reports.alerts.tasks.evaluate_after_import"]

# ---------------------------------------------------------------- i18n, static, media
LANGUAGE_CODE = "en-in"
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "elettro.staticfiles.PlotlyFinder",  # static/vendor/plotly.min.js from the plotly package
]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    # Each company's files live under its own folder, named by its schema.
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The API (elettro/api/ and each app's api.py). A key or the pages' session; roles as on the pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.api_auth.ApiKeyAuthentication",
        "tenants.api_auth.MemberSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.IsCompanyMember"],
    "DEFAULT_RENDERER_CLASSES": ["elettro.api.renderers.EnvelopeRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["elettro.api.throttling.PerKeyThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "elettro.api.envelope.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Calls per key (or per signed-in person) before a 429 with Retry-After.
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="600/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Elettro API",
    "DESCRIPTION": (
        "Figures, uploads and reports of one company, on its own address (https://SUB.<domain>/api/v1/). Send a "
        "key as `Authorization: Bearer KEY`. Every response is an envelope: `data`, `error` (`code`, `message`, "
        "and `parameter` when one is at fault) and `metadata` (`requestId`, and `next` on lists). GraphQL over the "
        "same figures, filters, keys and envelope is at `/api/graphql` (POST)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Open to all (it describes the API, not a company's data); a key of another company is still refused.
    "SERVE_AUTHENTICATION": ["tenants.api_auth.ApiKeyAuthentication"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "elettro.api.schema.errors_on_every_operation",
    ],
}

TRIAL_DAYS = 14
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_MB", default=50) * 1024 * 1024
# Uploads over this size run on their own queue and worker (etl_bulk): a huge file never holds up a small one.
UPLOAD_BULK_BYTES = env.int("UPLOAD_BULK_MB", default=5) * 1024 * 1024
ETL_QUEUE, ETL_BULK_QUEUE = env("ETL_QUEUE", default="etl"), env("ETL_BULK_QUEUE", default="etl_bulk")
UPLOAD_FILE_RETENTION_DAYS = env.int("UPLOAD_FILE_RETENTION_DAYS", default=30)
# One request (several files chosen at once) may send this much; a longer one is refused before it is read.
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_MB", default=200) * 1024 * 1024
# The first handler stops reading a file the moment it passes UPLOAD_MAX_BYTES (ingestion/upload_limits.py).
FILE_UPLOAD_HANDLERS = [
    "ingestion.upload_limits.SizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# ---------------------------------------------------------------- billing (Razorpay)
# Secrets come from the environment only. With no keys, a local stand-in for Razorpay (billing/sandbox.py) lets
# the whole flow run offline; it is never used when keys are set, and production never allows it.
RAZORPAY_KEY_ID = env("RAZORPAY_KEY_ID", default="")
RAZORPAY_KEY_SECRET = env("RAZORPAY_KEY_SECRET", default="")
RAZORPAY_WEBHOOK_SECRET = env("RAZORPAY_WEBHOOK_SECRET", default="")
RAZORPAY_API_BASE_URL = env("RAZORPAY_API_BASE_URL", default="https://api.razorpay.com")
RAZORPAY_CHECKOUT_JS = "https://checkout.razorpay.com/v1/checkout.js"
BILLING_SANDBOX_ALLOWED = True
# The seller on our GST invoices; its GSTIN's state decides CGST+SGST against IGST.
BILLING_SELLER_NAME = env("BILLING_SELLER_NAME", default="Elettro Analytics Private Limited")
BILLING_SELLER_GSTIN = env("BILLING_SELLER_GSTIN", default="29AAACE1234F1Z2")
BILLING_SELLER_ADDRESS = env("BILLING_SELLER_ADDRESS", default="12 MG Road, Bengaluru, Karnataka 560001")
BILLING_GST_PERCENT = 18
BILLING_GRACE_DAYS = 7  # after payments halt, before the company turns read-only
BILLING_TRIAL_PLAN = "scale"  # a trial tries everything: the limits of this plan apply until it ends

# ---------------------------------------------------------------- operators, logs
# `Authorization: Bearer <OPERATOR_TOKEN>` shows /health/'s details to monitoring (staff logged in on the public
# site see them too). Empty: staff only.
OPERATOR_TOKEN = env("OPERATOR_TOKEN", default="")
# Every record carries request_id, company (schema), user_id and task_id (elettro/logs.py); web, workers and beat
# log the same way. Plain text locally, one JSON object per line with ELETTRO_LOG_JSON=1 (production's default).
LOG_JSON = env.bool("ELETTRO_LOG_JSON", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "elettro.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s%(context)s"},
        "json": {"()": "elettro.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_JSON else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        # Chart export narrates every browser start and temp-folder cleanup at INFO.
        "kaleido": {"level": "WARNING"},
        "choreographer": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
