"""The seed systems' API addresses, as thin aliases of /api/v1/ (see README, "The API")."""

urlpatterns: list = []
