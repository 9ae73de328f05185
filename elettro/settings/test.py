"""The test suite: real PostgreSQL and Redis, fast password hashing, mails kept in memory."""

from .base import *  # noqa: F403
from .base import REDIS_URL, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="test-only-not-secret-2b7e151628aed2a6abf7")
# Argon2 stays first so production hashing is what tests exercise; its cost is lowered only here.
PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Live-server threads close their connections after each request, so the test database can be dropped at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Tests use their own Redis databases so a running `make run` is never disturbed: the cache in 14 (tests may
# clear it), the Celery broker and results in 15.
_TEST_REDIS = REDIS_URL.rsplit("/", 1)[0] + "/14"
_TEST_BROKER = REDIS_URL.rsplit("/", 1)[0] + "/15"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _TEST_REDIS,
        "KEY_PREFIX": "elettro-test",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    },
    # Keys that must mean the same on every host (login hand-offs, logouts): no schema prefix.
    "shared": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _TEST_REDIS,
        "KEY_PREFIX": "elettro-test-shared",
    },
}
CELERY_BROKER_URL = _TEST_BROKER
CELERY_RESULT_BACKEND = _TEST_BROKER
MEDIA_ROOT = BASE_DIR / ".data" / "test-media"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Static files straight from the source folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Local fakes of Slack listen on 127.0.0.1; the worker process reads the same list.
SLACK_WEBHOOK_HOSTS = ["hooks.slack.com", "127.0.0.1"]
# Chart images start their browser on first use; warming one per worker process only slows the suite.
REPORTS_WARM_BROWSER = False
