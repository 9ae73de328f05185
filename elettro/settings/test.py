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

# Tests use their own Redis databases so a running `make run` (database 0) is never disturbed.
# Parallel test processes (pytest-xdist) each have their own test database, so each has its own broker and cache
# too (its worker subprocesses inherit PYTEST_XDIST_WORKER): a worker never takes a task meant for another's
# database, and a test that clears its cache (a FLUSHDB) never wipes what another process's test is holding there,
# such as the Razorpay sandbox's subscriptions.
_XDIST = env("PYTEST_XDIST_WORKER", default="gw0")[2:]
_TEST_REDIS = REDIS_URL.rsplit("/", 1)[0] + f"/{(14, 6, 5, 4, 3, 2, 1)[int(_XDIST or 0) % 7]}"
_TEST_BROKER = REDIS_URL.rsplit("/", 1)[0] + f"/{(15, 13, 12, 11, 10, 9, 8, 7)[int(_XDIST or 0) % 8]}"
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
# Test companies in different processes may share a schema name, so their uploaded files keep apart here too.
MEDIA_ROOT = BASE_DIR / ".data" / "test-media" / f"gw{_XDIST or 0}"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Static files straight from the source folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Local fakes of Slack listen on 127.0.0.1; the worker process reads the same list.
SLACK_WEBHOOK_HOSTS = ["hooks.slack.com", "127.0.0.1"]
# The one way the fakes in tests/fakes/ (plain http on 127.0.0.1, any port) get past elettro/outbound.py: loopback
# IP literals only; every other check (userinfo, backslashes, private addresses, other hosts) still applies.
OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS = True
# Chart images start their browser on first use; warming one per worker process only slows the suite.
REPORTS_WARM_BROWSER = False
# Every test signs up from 127.0.0.1 and parallel runs share one Redis: signup limits out of the way here;
# tests/tenants/test_rate_limits.py sets the real ones.
SIGNUP_RATE_LIMIT_PER_IP = "100000/h"
SIGNUP_RATE_LIMIT_TOTAL = "100000/h"
