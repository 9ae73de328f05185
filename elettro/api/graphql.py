"""GraphQL at /api/graphql, over the same catalogue, filters, auth and envelope as /api/v1/ (the schema's types and
resolvers are analytics/graphql.py).

- Who may call: the outer view is an ApiView, so DRF runs /api/v1/'s own checks before any GraphQL is read: a
  Bearer key of this company (tenants.api_auth.ApiKeyAuthentication; another company's key is a 403, none a 401)
  or the member's session with its CSRF token on a POST, the role's `dashboards.view`, and the per-key throttle
  (429 with Retry-After). Introspection obeys the same: it is on, for clients and Power BI, but only for callers.
- What may be asked: queries only (a GET runs queries and never a mutation; there are none yet), at most
  MAX_DEPTH fields deep, MAX_ALIASES aliases and MAX_TOKENS tokens; graphql-core also limits how deep an
  introspection query nests. A query over a limit is refused before it runs, with code `query_too_complex`.
- The answer: the API's envelope, `{"data", "error", "metadata": {"requestId", "errors"}}`. `error` is the first
  GraphQL error (or the limit refusing the query) as `{"code", "message", "parameter"?}`; `metadata.errors` holds
  all of them, as GraphQL formats them. With no data the status is REST's for the same fault (400 for a bad query
  or argument, 500 for ours); with data, 200.
- The GraphiQL IDE is off: it loads its scripts from a CDN, which our Content-Security-Policy and the offline rule
  forbid. A GET without a query is a 400 (404 for a browser), in the envelope.
"""

from __future__ import annotations

from cross_web import HTTPException
from django.urls import path
from drf_spectacular.utils import extend_schema
from graphql import GraphQLError
from strawberry import Schema
from strawberry.django.views import GraphQLView
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from analytics import graphql as analytics_graphql

from .envelope import error_response
from .renderers import envelope
from .schema import enveloped
from .views import ApiView

MAX_DEPTH = 8
MAX_ALIASES = 10  # each aliased root field is a question of its own to the catalogue
MAX_TOKENS = 1000  # a client's whole introspection query is under 200

# The limiters' own messages (strawberry's and graphql-core's), and what the envelope says instead.
_TOO_COMPLEX = (
    ("exceeds maximum operation depth", f"The query nests fields too deep: at most {MAX_DEPTH} levels."),
    ("aliases found", f"The query has too many aliases: at most {MAX_ALIASES}."),
    ("Document contains more than", f"The query is too long: at most {MAX_TOKENS} tokens."),
    ("Maximum introspection depth exceeded", "The introspection query nests too deep: ask for fewer levels."),
)
_SERVER_ERROR = "Something went wrong on our side. Quote the request id."
_STATUS = {"server_error": 500, "forbidden": 403}  # with no data; any other code is a 400


def _expected(error: GraphQLError) -> bool:
    """A fault of the query (syntax, validation, limits, an argument): answered, not logged as our error."""
    original = error.original_error
    return original is None or isinstance(original, (GraphQLError, analytics_graphql.ArgumentError))


def _formatted(error: GraphQLError) -> dict:
    """The error as GraphQL formats it, with a `code` extension; our own faults say no more than REST's 500."""
    formatted = dict(error.formatted)
    if not _expected(error):
        formatted["message"], code = _SERVER_ERROR, "server_error"
    elif error.extensions.get("code"):
        code = error.extensions["code"]
    else:
        code = next(("query_too_complex" for mark, _ in _TOO_COMPLEX if mark in error.message), "invalid_query")
    formatted["extensions"] = {**error.extensions, "code": code}
    return formatted


def _failure(error: dict) -> dict:
    """The envelope's `error` for a formatted GraphQL error."""
    extensions = error["extensions"]
    message = next((said for mark, said in _TOO_COMPLEX if mark in error["message"]), error["message"])
    failure = {"code": extensions["code"], "message": message}
    if extensions.get("parameter"):
        failure["parameter"] = extensions["parameter"]
    return failure


class ElettroSchema(Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Strawberry logs every error; a bad query or argument is the caller's, answered like REST's 400s.
        super().process_errors([error for error in errors if not _expected(error)], execution_context)


schema = ElettroSchema(
    query=analytics_graphql.Query,
    config=StrawberryConfig(scalar_map=analytics_graphql.SCALARS),
    extensions=[
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ],
)


class EnvelopedGraphQLView(GraphQLView):
    """Strawberry's view, answering in the envelope. It runs inside GraphQLApiView, after the API's checks."""

    graphql_ide = None
    allow_queries_via_get = True  # queries only: strawberry refuses a mutation sent by GET

    def decode_json(self, data):
        decoded = super().decode_json(data)
        # Strawberry reads a body of `5` or `null` as an object, and fails with a 500.
        if not isinstance(decoded, (dict, list)):
            raise HTTPException(400, 'Send a JSON object here, like {"query": "{ catalogue { measures { key } } }"}.')
        return decoded

    def process_result(self, request, result) -> dict:
        errors = [_formatted(error) for error in result.errors or ()]
        # The envelope's error is the first, or the limit that refused the query when one did.
        refused = [error for error in errors if error["extensions"]["code"] == "query_too_complex"]
        failure = _failure((refused or errors)[0]) if errors else None
        return envelope(result.data, error=failure, metadata={"errors": errors} if errors else None)

    def create_response(self, response_data, sub_response):
        response = super().create_response(response_data, sub_response)
        if response_data["error"] and response_data["data"] is None:
            response.status_code = _STATUS.get(response_data["error"]["code"], 400)
        return response

    def dispatch(self, request, *args, **kwargs):
        try:
            return self.run(request=request)
        except HTTPException as refused:  # a request strawberry could not read: no JSON, no query, a batch
            code = "not_found" if refused.status_code == 404 else "invalid_query"
            return error_response(refused.status_code, code, refused.reason)
        except UnicodeDecodeError:  # strawberry reads the body as UTF-8 before it reads any JSON
            return error_response(400, "invalid_query", "Send the request body as JSON in UTF-8.")


_graphql = EnvelopedGraphQLView.as_view(schema=schema, graphql_ide=None)


_REQUEST = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "description": "a GraphQL query; the schema is read by introspection"},
        "variables": {"type": "object", "nullable": True},
        "operationName": {"type": "string", "nullable": True},
    },
    "required": ["query"],
}


class GraphQLApiView(ApiView):
    """The API's authentication, role, CSRF and throttle (DRF's, as on /api/v1/), then strawberry."""

    required_permission = "dashboards.view"

    def perform_content_negotiation(self, request, force=False):
        # GraphQL clients may accept only application/graphql-response+json: the envelope is JSON all the same.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(exclude=True)  # the same, with the query in the URL: the POST describes both
    def get(self, request):
        return _graphql(request._request)

    @extend_schema(
        summary="GraphQL: kpis, series, breakdown and the catalogue, with the same filters, in the envelope",
        request={"application/json": _REQUEST},
        responses={200: enveloped({"type": "object", "description": "GraphQL's data"})},
    )
    def post(self, request):
        return _graphql(request._request)


urlpatterns = [path("graphql", GraphQLApiView.as_view(), name="api_graphql")]
