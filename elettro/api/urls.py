"""The API on a company's host (included at /api/): /api/v1/ gathers each app's api.py, with the schema and its
docs beside them."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from analytics import api as analytics_api
from ingestion import api as ingestion_api
from reports import api as reports_api
from reports.alerts import api as alerts_api
from tenants import api as tenants_api

from . import graphql, seed
from .status import HealthView

v1 = [
    *analytics_api.urlpatterns,
    *ingestion_api.urlpatterns,
    *reports_api.urlpatterns,
    *alerts_api.urlpatterns,
    *tenants_api.urlpatterns,
    path("health/", HealthView.as_view(), name="api_health"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]

urlpatterns = [
    path("v1/", include(v1)),
    *graphql.urlpatterns,  # graphql
    *seed.urlpatterns,  # the seed systems' addresses: kpis, sales-over-time, summary, department/<name>, ...
]
