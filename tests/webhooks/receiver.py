"""A local webhook receiver on 127.0.0.1 that fails, times out or answers, as scripted."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    # What to do with each request in turn: "fail" (500), "slow" (answer after the
    # sender's timeout), "ok" (204); the last one repeats.
    script: list[str] = field(default_factory=lambda: ["ok"])
    received: list[Received] = field(default_factory=list)
    slow_seconds: float = 2.0


@contextmanager
def receiver(script: list[str]) -> Iterator[Receiver]:
    state = Receiver(url="", script=list(script))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            state.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            action = state.script.pop(0) if len(state.script) > 1 else state.script[0]
            if action == "slow":
                time.sleep(state.slow_seconds)
            code = 500 if action == "fail" else 204
            try:
                self.send_response(code)
                self.send_header("content-length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender gave up (timeout)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
