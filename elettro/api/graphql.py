"""GraphQL at /api/graphql, over the same catalogue, filters, auth and envelope as /api/v1/."""

urlpatterns: list = []
