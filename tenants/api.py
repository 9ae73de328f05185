"""tenants's API: its resources under /api/v1/ (wired in elettro/api/urls.py)."""

urlpatterns: list = []
