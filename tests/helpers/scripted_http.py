"""A tiny scripted HTTP server on 127.0.0.1: each path answers through a route function that gets the
handler and the attempt number of that path; every request is logged."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Route = Callable[[BaseHTTPRequestHandler, int], None]  # (handler, attempt number of this path)


class Scripted:
    def __init__(self, routes: dict[str, Route]):
        self.routes = routes
        self.log: list[dict[str, Any]] = []
        self.attempts: dict[str, int] = {}
        self.lock = threading.Lock()
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                entry = {"path": self.path, "headers": dict(self.headers)}
                with scripted.lock:
                    n = scripted.attempts[self.path] = scripted.attempts.get(self.path, 0) + 1
                try:
                    scripted.routes.get(self.path, not_found)(self, n)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                finally:
                    with scripted.lock:
                        scripted.log.append(entry)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    ctype: str = "text/plain",
    headers: dict[str, str] | None = None,
    length: int | None = None,
) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body) if length is None else length))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)
    h.wfile.flush()


def not_found(h: BaseHTTPRequestHandler, n: int) -> None:
    send(h, 404, b"nope")


PDF = b"%PDF-1.4\n" + b"1 0 obj <<>> endobj\n" * 50 + b"trailer <<>>\n%%EOF\n"
