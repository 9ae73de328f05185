"""URLs of the public site at BASE_DOMAIN."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from billing import views as billing_views
from elettro.health import health
from tenants import two_factor_views, views

admin.site.site_header = "Elettro operations"
admin.site.site_title = "Elettro admin"

urlpatterns = [
    path("", billing_views.landing, name="landing"),
    path("pricing/", billing_views.pricing, name="pricing"),
    path("signup/", views.signup, name="signup"),
    path("companies/", views.company_picker, name="company_picker"),
    path("go/<slug:subdomain>/", views.go, name="go"),
    path("two-factor/required/<slug:subdomain>/", two_factor_views.two_factor_required, name="two_factor_required"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("health/", health, name="health"),
    path("accounts/signup/", RedirectView.as_view(pattern_name="signup", permanent=False)),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("billing/", include("billing.urls_public")),
]
