"""Production: every secret from the environment, HTTPS everywhere, static files through WhiteNoise."""

from .base import *  # noqa: F403
from .base import BASE_DOMAIN, LOGGING, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # no default: refuse to start without one
SITE_SCHEME = "https"
SITE_PORT = env.int("SITE_PORT", default=443)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSP_REPORT_ONLY = False  # the Content-Security-Policy is always enforced here (elettro/security_headers.py)
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [f"https://{BASE_DOMAIN}", f"https://*.{BASE_DOMAIN}"]

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
BILLING_SANDBOX_ALLOWED = False  # no stand-in Checkout in production: billing needs the RAZORPAY_* keys
OUTBOUND_ALLOW_LOOPBACK_FOR_TESTS = False  # elettro/outbound.py never connects to this machine in production

# Logs: one JSON object per line (request_id, company, user_id, task_id; elettro/logs.py) unless ELETTRO_LOG_JSON=0.
LOG_JSON = env.bool("ELETTRO_LOG_JSON", default=True)
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_JSON else "plain"
