"""A real HTTP server on 127.0.0.1 for fakes of outside services: clients are tested through their actual HTTP
requests (headers, encodings, multipart bodies), not through mocks of `requests`.

A fake subclasses `FakeHTTPServer` and answers in `respond`. Every request is recorded, parsed, before it is
answered; a test can queue canned replies (an outage, a rate limit) that pre-empt the fake's own answer.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from requests.structures import CaseInsensitiveDict


@dataclass(frozen=True)
class Part:
    """One field of a multipart/form-data body."""

    content: bytes
    filename: str | None
    content_type: str

    @property
    def text(self) -> str:
        return self.content.decode()


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: CaseInsensitiveDict[str]
    body: bytes
    json: Any = None
    form: dict[str, str] | None = None
    multipart: dict[str, Part] | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def bearer(self) -> str | None:
        scheme, _, credentials = self.headers.get("Authorization", "").partition(" ")
        return credentials if scheme == "Bearer" and credentials else None


@dataclass(frozen=True)
class Reply:
    """What the fake answers. A dict or list body is sent as JSON, a str as text/plain. `delay` holds the answer
    back, to make a client time out."""

    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body).encode(), "application/json; charset=utf-8"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return self.body, "application/octet-stream"


class FakeHTTPServer:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._canned: list[tuple[str | None, Reply]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def respond(self, request: RecordedRequest) -> Reply:
        """The service's own behaviour; subclasses implement it."""
        raise NotImplementedError

    def queue_reply(self, reply: Reply, *, path: str | None = None) -> None:
        """The next request (to a path starting with `path`, when given) gets `reply` instead of the fake's own
        answer."""
        with self._lock:
            self._canned.append((path, reply))

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer()

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = _parse(
                    self.command, self.path, CaseInsensitiveDict(self.headers.items()), self.rfile.read(length)
                )
                reply = fake._dispatch(request)
                time.sleep(reply.delay)
                body, content_type = reply.encoded()
                self.send_response(reply.status)
                headers = {"Content-Type": content_type, "Content-Length": str(len(body)), **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that timed out and hung up is what some tests want

        self._server = Server(("127.0.0.1", 0), Handler)
        # A short poll keeps stop(), which waits for the next poll, from adding half a second to every test.
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _dispatch(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            for index, (path, reply) in enumerate(self._canned):
                if path is None or request.path.startswith(path):
                    del self._canned[index]
                    return reply
        return self.respond(request)


def _parse(method: str, target: str, headers: CaseInsensitiveDict[str], body: bytes) -> RecordedRequest:
    url = urlsplit(target)
    request = RecordedRequest(method, url.path, parse_qs(url.query), headers, body)
    kind = request.content_type
    if kind == "application/json":
        try:
            return replace(request, json=json.loads(body))
        except ValueError:
            return request
    if kind == "application/x-www-form-urlencoded":
        return replace(request, form={key: values[0] for key, values in parse_qs(body.decode()).items()})
    if kind == "multipart/form-data":
        return replace(request, multipart=parse_multipart(headers["Content-Type"], body))
    return request


def parse_multipart(content_type: str, body: bytes) -> dict[str, Part]:
    """The stdlib `cgi` module is gone from Python 3.13; the email parser reads the same MIME format once it is
    given the Content-Type header the body came with."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    parts: dict[str, Part] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            parts[name] = Part(part.get_payload(decode=True) or b"", part.get_filename(), part.get_content_type())
    return parts
