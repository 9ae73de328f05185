"""A fake of Meta's WhatsApp Cloud API (Graph API) for one business phone number, checking requests as documented.

- Every call needs `Authorization: Bearer <token>`, else 401 with Graph's code-190 OAuthException body.
- Only `/v21.0/<phone_number_id>/media` and `/messages` exist; another phone number id is Graph's 100/33 error.
- media: multipart/form-data with `messaging_product=whatsapp`, `type` (a document MIME type) and a non-empty
  `file` part of that same type with a filename (code 100, or 131053 for the file itself); answers `{"id": …}`.
- messages: JSON with `messaging_product=whatsapp`; `to` all digits, 8 to 15 of them (code 100); numbers outside
  `allowed_recipients`, when set, get 131030 as a test number's do. A document must reference a media id this
  fake issued (131009); a template must exist in the language (132001) with its number of body parameters (132000).

Meta reports 131047 (24-hour window) and 131026 (undeliverable) mostly through status webhooks, after answering
200; the fake answers them only when told to, through `fail_next`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .http import FakeHTTPServer, RecordedRequest, Reply

VERSION = "v21.0"
ACCESS_TOKEN = "EAAGfakeAccessToken"
DOCUMENT_TYPES = {
    "application/pdf",
    "text/plain",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Media:
    id: str
    filename: str
    mime_type: str
    content: bytes


def graph_error(code: int, message: str, *, subcode: int | None = None, details: str | None = None) -> dict[str, Any]:
    """The error body shape of the Graph API."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdFakeTrace"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


class FakeWhatsApp(FakeHTTPServer):
    def __init__(
        self,
        *,
        token: str = ACCESS_TOKEN,
        phone_number_id: str = "106540352242922",
        allowed_recipients: set[str] | None = None,
        templates: dict[tuple[str, str], int] | None = None,
    ) -> None:
        super().__init__()
        self.token = token
        self.phone_number_id = phone_number_id
        self.allowed_recipients = allowed_recipients
        # (template name, language code) -> number of body parameters
        self.templates = templates if templates is not None else {("weekly_sales_report", "en"): 2}
        self.media: dict[str, Media] = {}
        self.messages: list[dict[str, Any]] = []

    def fail_next(
        self,
        code: int,
        message: str,
        *,
        status: int = 400,
        details: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.queue_reply(Reply(status, graph_error(code, message, details=details), headers=headers or {}))

    def respond(self, request: RecordedRequest) -> Reply:
        if request.bearer != self.token:
            return Reply(401, graph_error(190, "Invalid OAuth access token - Cannot parse access token"))
        prefix = f"/{VERSION}/{self.phone_number_id}/"
        if request.method != "POST" or not request.path.startswith(prefix):
            object_id = request.path.removeprefix(f"/{VERSION}/").split("/")[0]
            message = (
                f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
                "missing permissions, or does not support this operation."
            )
            return _refuse(100, message, subcode=33)
        edge = request.path.removeprefix(prefix)
        if edge == "media":
            return self._upload(request)
        if edge == "messages":
            return self._message(request)
        return _refuse(2500, f"Unknown path components: /{edge}")

    def _upload(self, request: RecordedRequest) -> Reply:
        parts = request.multipart or {}
        product, kind, file = parts.get("messaging_product"), parts.get("type"), parts.get("file")
        if product is None or product.text != "whatsapp":
            return _refuse(100, "(#100) The parameter messaging_product is required.")
        if kind is None or file is None or not file.filename:
            return _refuse(100, f"(#100) The parameter {'type' if kind is None else 'file'} is required.")
        if kind.text not in DOCUMENT_TYPES or file.content_type != kind.text or not file.content:
            details = f"Param file must be a non-empty file of one of the types {sorted(DOCUMENT_TYPES)}"
            return _refuse(131053, "(#131053) Media upload error", details=details)
        media_id = str(1_037_543_291_543_636 + len(self.media))
        self.media[media_id] = Media(media_id, file.filename, kind.text, file.content)
        return Reply(200, {"id": media_id})

    def _message(self, request: RecordedRequest) -> Reply:
        body = request.json
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return _refuse(100, "(#100) The parameter messaging_product is required.")
        to = body.get("to")
        if not (isinstance(to, str) and to.isdigit() and 8 <= len(to) <= 15):
            return _refuse(100, "(#100) Invalid parameter", details="to: the phone number in digits, country first")
        if body.get("recipient_type", "individual") != "individual":
            return _refuse(100, "(#100) Invalid parameter", details="recipient_type must be individual")
        if self.allowed_recipients is not None and to not in self.allowed_recipients:
            details = "Recipient phone number not in allowed list: Add recipient phone number to recipient list."
            return _refuse(131030, "(#131030) Recipient phone number not in allowed list", details=details)
        if body.get("type") == "document":
            problem = self._document_problem(body.get("document"))
        elif body.get("type") == "template":
            problem = self._template_problem(body.get("template"))
        else:
            problem = _refuse(100, "(#100) Invalid parameter", details="type: this fake knows document and template")
        if problem is not None:
            return problem
        self.messages.append(body)
        message: dict[str, str] = {"id": f"wamid.HBgMFAKE{len(self.messages):08d}"}
        if body["type"] == "template":
            message["message_status"] = "accepted"
        return Reply(
            200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [message]}
        )

    def _document_problem(self, document: Any) -> Reply | None:
        if not isinstance(document, dict) or document.get("id") not in self.media:
            return _refuse(131009, "(#131009) Parameter value is not valid", details="document.id: unknown media id")
        return None

    def _template_problem(self, template: Any) -> Reply | None:
        if not isinstance(template, dict):
            return _refuse(100, "(#100) The parameter template is required.")
        language = template.get("language")
        name, code = template.get("name"), language.get("code") if isinstance(language, dict) else None
        if (name, code) not in self.templates:
            details = f"template name ({name}) does not exist in {code}"
            return _refuse(132001, "(#132001) Template name does not exist in the translation", details=details)
        body = [c for c in template.get("components", []) if isinstance(c, dict) and c.get("type") == "body"]
        parameters = body[0].get("parameters", []) if body else []
        well_formed = all(
            isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str) for p in parameters
        )
        if not well_formed or len(parameters) != self.templates[(name, code)]:
            message = "(#132000) Number of parameters does not match the expected number of params"
            return _refuse(132000, message)
        return None


def _refuse(code: int, message: str, *, subcode: int | None = None, details: str | None = None) -> Reply:
    return Reply(400, graph_error(code, message, subcode=subcode, details=details))
