"""Helpers for the API tests: keys per actor, a client that speaks JSON, row counts."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from django.test import Client

from tests.donations.builders import (
    CHARITY,
    MERCHANT,
    OTHER_MERCHANT,
    catalog,
    charity,
    load,
    percent_pledge,
    project,
)

OTHER_CHARITY = "yayasan-lain"
OTHER_PROJECT = "sumur-desa"  # a project of OTHER_CHARITY
PROBLEM = "application/problem+json"


def load_api_catalog() -> None:
    """MERCHANT: a merchant-wide 5 % pledge to PROJECT (of CHARITY); OTHER_MERCHANT: a 10 %
    pledge ``pl-other`` to OTHER_PROJECT (of OTHER_CHARITY)."""
    load(
        catalog(
            percent_pledge("pl-wide"),
            percent_pledge(
                "pl-other",
                merchant_id=OTHER_MERCHANT,
                project_id=OTHER_PROJECT,
                basis_points=1000,
            ),
            charities=[charity(), charity(OTHER_CHARITY)],
            projects=[project(), project(OTHER_PROJECT, charity_id=OTHER_CHARITY)],
        )
    )


@dataclass
class Keys:
    marketplace: str
    admin: str
    merchant: str  # MERCHANT's
    other_merchant: str  # OTHER_MERCHANT's
    charity: str  # CHARITY's
    other_charity: str
    revoked: str


def make_keys() -> Keys:
    from dermawan.api.keys import create_key, revoke

    revoked = create_key("merchant", MERCHANT)
    revoke(revoked.key.prefix)
    return Keys(
        marketplace=create_key("marketplace").secret,
        admin=create_key("admin").secret,
        merchant=create_key("merchant", MERCHANT).secret,
        other_merchant=create_key("merchant", OTHER_MERCHANT).secret,
        charity=create_key("charity", CHARITY).secret,
        other_charity=create_key("charity", OTHER_CHARITY).secret,
        revoked=revoked.secret,
    )


class Api:
    """The Django test client with ``key=`` and JSON bodies."""

    def __init__(self) -> None:
        self.client = Client()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> Any:
        extra = dict(headers or {})
        if key is not None:
            extra["Authorization"] = f"Bearer {key}"
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        return self.send(method, path, data, content_type, extra)

    def send(
        self, method: str, path: str, data: bytes | str | None, content_type: str,
        headers: dict[str, str],
    ) -> Any:  # fmt: skip
        kwargs: dict[str, Any] = {"headers": headers}
        if data is not None:
            kwargs.update(data=data, content_type=content_type)
        return getattr(self.client, method.lower())(path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("PUT", path, body, **kwargs)

    def events(self, *events: dict[str, Any], key: str) -> Any:
        return self.post("/api/v1/events", {"events": list(events)}, key=key)


class Served:
    """An answer of the served WSGI application, read like the test client's."""

    def __init__(self, status: str, headers: list[tuple[str, str]], content: bytes) -> None:
        self.status_code = int(status.split()[0])
        self.headers = {name.lower(): value for name, value in headers}
        self.content = content

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.headers

    def json(self) -> Any:
        return json.loads(self.content)


def serve(application: Any, environ: dict[str, Any]) -> Served:
    """One request through a WSGI ``application`` (``dermawan serve``'s, or a part of it)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    answered: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        answered[:] = [status, headers]

    # As Django's test client does: the test's transaction keeps its connection.
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        result = application(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
    finally:
        for signal in signals:
            signal.connect(close_old_connections)
    return Served(answered[0], answered[1], content)


def environ_of(
    method: str, path: str, body: bytes, content_type: str, headers: dict[str, str]
) -> dict[str, Any]:
    """A WSGI environ as Granian makes one for this request."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": content_type,
    }  # fmt: skip
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


class ServedApi(Api):
    """``Api`` through the application ``dermawan serve`` runs (``dermawan.api.wsgi``),
    whose ``POST /api/v1/events`` takes the hot path (api/hot_path.py)."""

    def send(
        self, method: str, path: str, data: bytes | str | None, content_type: str,
        headers: dict[str, str],
    ) -> Any:  # fmt: skip
        from dermawan.api import wsgi

        encoded = data.encode() if isinstance(data, str) else (data or b"")
        path, _, query = path.partition("?")
        environ = environ_of(method, path, encoded, content_type, headers)
        environ["QUERY_STRING"] = query
        return serve(wsgi.application, environ)


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert ``response`` is a problem document of ``code``; returns it."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith(PROBLEM), response["Content-Type"]
    document: dict[str, Any] = response.json()
    assert document["type"] == f"/api/v1/problems/{code}", document
    assert document["status"] == status
    assert document["title"] and document["detail"]
    return document


def fields(document: dict[str, Any]) -> set[str]:
    return {e["field"] for e in document.get("errors", [])}


def row_counts() -> dict[str, int]:
    """Rows of every table the API writes, to prove a refused request wrote nothing."""
    from dermawan.api.models import ApiKey, ProductDonations, SignatureUse
    from dermawan.auditlog.models import AuditEntry
    from dermawan.catalog.models import Charity, Merchant, Pledge, Project
    from dermawan.donations.models import Event, IngestRun, OrderLine, ParkedEvent
    from dermawan.ledger.models import Posting, Transaction
    from dermawan.webhooks.models import Delivery, Endpoint, Message

    models = (
        ApiKey,
        AuditEntry,
        ProductDonations,
        SignatureUse,
        Charity,
        Merchant,
        Pledge,
        Project,
        Event,
        IngestRun,
        OrderLine,
        ParkedEvent,
        Posting,
        Transaction,
        Delivery,
        Endpoint,
        Message,
    )
    return {m.__name__: m.objects.count() for m in models}


def state() -> tuple[dict[str, int], list[tuple[Any, ...]]]:
    """Row counts and every pledge's terms: what a refused request must leave alone."""
    from dermawan.catalog.models import Pledge

    return row_counts(), list(Pledge.objects.order_by("id").values_list())
