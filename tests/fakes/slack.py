"""A fake Slack holding one incoming webhook and a bot's Web API, checking requests the way Slack documents.

Webhook (`/services/T000/B000/XXXX`): JSON body with `text` or `blocks`, else 400 `invalid_payload`; a path it
does not know is 404 `no_service`; success is 200 `ok`.

Web API (`/api/<method>`): the Bearer token must be the configured one (`not_authed` / `invalid_auth`, HTTP 200
with `ok: false`, as Slack does). A JSON body without `charset=utf-8` gets Slack's `missing_charset` warning.
- chat.postMessage: `channel` must be a known channel the app is a member of (`channel_not_found`,
  `not_in_channel`); `text` or `blocks` needed (`no_text`), blocks must be typed objects (`invalid_blocks`).
- files.getUploadURLExternal: form-encoded `filename` and `length` (`invalid_arguments`); hands out a single-use
  upload URL under `/upload/v1/` and a file id.
- upload URL: raw bytes or multipart, exactly `length` of them, else 400.
- files.completeUploadExternal: every file id must have been issued and its bytes uploaded (`file_not_found`);
  `channel_id` checked as for chat.postMessage.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from .http import FakeHTTPServer, RecordedRequest, Reply

WEBHOOK_PATH = "/services/T000/B000/XXXX"
BOT_TOKEN = "xoxb-100-200-fakebottoken"


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None
    initial_comment: str | None = None


class FakeSlack(FakeHTTPServer):
    def __init__(self, *, token: str = BOT_TOKEN, channels: dict[str, bool] | None = None) -> None:
        super().__init__()
        self.token = token
        # channel id -> whether the app was invited into it
        self.channels = channels if channels is not None else {"C0REPORTS": True, "C0PRIVATE": False}
        self.posted: list[dict[str, Any]] = []
        self.files: dict[str, UploadedFile] = {}
        self.warnings: list[str] = []
        self._upload_paths: dict[str, str] = {}

    @property
    def webhook_url(self) -> str:
        return self.url + WEBHOOK_PATH

    @property
    def api_base(self) -> str:
        return self.url + "/api/"

    def respond(self, request: RecordedRequest) -> Reply:
        if request.method != "POST":
            return Reply(405, "invalid_method")
        if request.path == WEBHOOK_PATH:
            return self._webhook(request)
        if request.path.startswith("/services/"):
            return Reply(404, "no_service")
        if request.path in self._upload_paths:
            return self._receive_bytes(request)
        method = request.path.removeprefix("/api/")
        handler = {
            "chat.postMessage": self._post_message,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }.get(method)
        if not request.path.startswith("/api/") or handler is None:
            return Reply(404, {"ok": False, "error": "unknown_method", "req_method": method})
        if request.bearer is None:
            return _failed("not_authed")
        if request.bearer != self.token:
            return _failed("invalid_auth")
        return handler(request)

    def _webhook(self, request: RecordedRequest) -> Reply:
        payload = request.json
        if request.content_type != "application/json" or not isinstance(payload, dict):
            return Reply(400, "invalid_payload")
        text, blocks = payload.get("text"), payload.get("blocks")
        if blocks is not None and not _valid_blocks(blocks):
            return Reply(400, "invalid_blocks")
        if not (isinstance(text, str) and text.strip()) and not blocks:
            return Reply(400, "invalid_payload")
        self.posted.append({"via": "webhook", "text": text, "blocks": blocks})
        return Reply(200, "ok")

    def _post_message(self, request: RecordedRequest) -> Reply:
        args = self._arguments(request)
        channel, text, blocks = args.get("channel"), args.get("text"), args.get("blocks")
        if problem := self._channel_problem(channel):
            return _failed(problem)
        if blocks is not None and not _valid_blocks(blocks):
            return _failed("invalid_blocks")
        if not (isinstance(text, str) and text.strip()) and not blocks:
            return _failed("no_text")
        ts = f"{1_700_000_000 + len(self.posted)}.000100"
        self.posted.append({"via": "chat.postMessage", "channel": channel, "text": text, "blocks": blocks, "ts": ts})
        return self._ok(request, channel=channel, ts=ts, message={"type": "message", "text": text, "ts": ts})

    def _get_upload_url(self, request: RecordedRequest) -> Reply:
        args = request.form or {}
        filename, length = args.get("filename", ""), args.get("length", "")
        if not filename or not length.isdigit() or int(length) == 0:
            return _failed("invalid_arguments")
        file_id = f"F{len(self.files) + 1:010d}"
        self.files[file_id] = UploadedFile(file_id, filename, int(length))
        path = f"/upload/v1/{secrets.token_urlsafe(12)}"
        self._upload_paths[path] = file_id
        return self._ok(request, upload_url=self.url + path, file_id=file_id)

    def _receive_bytes(self, request: RecordedRequest) -> Reply:
        uploaded = self.files[self._upload_paths[request.path]]
        parts = [part for part in (request.multipart or {}).values() if part.filename]
        content = parts[0].content if parts else request.body
        if len(content) != uploaded.length:
            return Reply(400, f"expected {uploaded.length} bytes, got {len(content)}")
        uploaded.content = content
        del self._upload_paths[request.path]
        return Reply(200, f"OK - {len(content)}")

    def _complete_upload(self, request: RecordedRequest) -> Reply:
        args = self._arguments(request)
        files = args.get("files")
        if isinstance(files, str):  # form-encoded callers send the array as a JSON string
            files = json.loads(files)
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) and "id" in f for f in files):
            return _failed("invalid_arguments")
        if any(self.files.get(f["id"]) is None or self.files[f["id"]].content is None for f in files):
            return _failed("file_not_found")
        channel = args.get("channel_id")
        if channel is not None and (problem := self._channel_problem(channel)):
            return _failed(problem)
        for entry in files:
            uploaded = self.files[entry["id"]]
            uploaded.title, uploaded.channel = entry.get("title"), channel
            uploaded.initial_comment = args.get("initial_comment")
        if channel is not None:
            ids = [entry["id"] for entry in files]
            self.posted.append({"via": "files", "channel": channel, "text": args.get("initial_comment"), "files": ids})
        shared = [
            {"id": f["id"], "title": self.files[f["id"]].title, "name": self.files[f["id"]].filename} for f in files
        ]
        return self._ok(request, files=shared)

    def _channel_problem(self, channel: Any) -> str | None:
        if channel not in self.channels:
            return "channel_not_found"
        return None if self.channels[channel] else "not_in_channel"

    def _arguments(self, request: RecordedRequest) -> dict[str, Any]:
        if request.content_type == "application/json":
            return request.json if isinstance(request.json, dict) else {}
        return request.form or {}

    def _ok(self, request: RecordedRequest, **data: Any) -> Reply:
        body: dict[str, Any] = {"ok": True, **data}
        if request.content_type == "application/json" and "charset=utf-8" not in request.headers["Content-Type"]:
            self.warnings.append("missing_charset")
            body |= {"warning": "missing_charset", "response_metadata": {"warnings": ["missing_charset"]}}
        return Reply(200, body)


def _failed(error: str) -> Reply:
    return Reply(200, {"ok": False, "error": error})


def _valid_blocks(blocks: Any) -> bool:
    return (
        isinstance(blocks, list)
        and 0 < len(blocks) <= 50
        and all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks)
    )
