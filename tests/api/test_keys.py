"""API keys: shown once, stored hashed, revocable; the two commands."""

from __future__ import annotations

from typing import Any

import pytest

from dermawan.api.models import ApiKey
from tests.api.support import Api, Keys, ServedApi, problem
from tests.donations.builders import MERCHANT, call, call_json

pytestmark = pytest.mark.django_db


def test_create_shows_the_key_once_and_stores_a_hash(api: Api, keys: Keys, capsys: Any) -> None:
    code, made = call_json(
        "create_api_key", "--kind", "merchant", "--owner", MERCHANT, "--signing", capsys=capsys
    )
    assert code == 0
    key = made["key"]
    stored = ApiKey.objects.get(prefix=made["prefix"])
    assert key.startswith(f"dw_{made['prefix']}_")
    assert stored.secret_hash.startswith("$argon2id$") and key not in stored.secret_hash
    assert made["signing_secret"] and made["signing_secret"] not in stored.signing_secret_sealed
    assert api.get("/api/v1/pledges", key=key).status_code == 200


def test_revoke_stops_the_key_at_once(api: Api, keys: Keys, capsys: Any) -> None:
    _, made = call_json("create_api_key", "--kind", "marketplace", capsys=capsys)
    assert api.get("/api/v1/pledges", key=made["key"]).status_code == 200
    code, revoked = call_json("revoke_api_key", made["prefix"], capsys=capsys)
    assert code == 0 and revoked["prefix"] == made["prefix"]
    problem(api.get("/api/v1/pledges", key=made["key"]), 401, "revoked-key")

    from dermawan.auditlog.entries import entries

    logged = [(e.action, e.details.get("prefix")) for e in entries(action_prefix="api-key.")]
    assert logged == [("api-key.revoke", made["prefix"]), ("api-key.create", made["prefix"])]
    assert all(e.actor.startswith("cli:") for e in entries())


def test_a_revocation_by_another_process_holds_within_the_ttl(
    api: Api, keys: Keys, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decision 0031: a server remembers a key's row for KEY_TTL_SECONDS, no longer."""
    from django.utils import timezone

    from dermawan.api import keys as api_keys

    _, made = call_json("create_api_key", "--kind", "marketplace", capsys=capsys)
    assert api.get("/api/v1/pledges", key=made["key"]).status_code == 200
    # Revoked by another process: this one's memory is not told.
    ApiKey.objects.filter(prefix=made["prefix"]).update(revoked_at=timezone.now())
    assert api.get("/api/v1/pledges", key=made["key"]).status_code == 200
    clock = api_keys.time.monotonic() + api_keys.KEY_TTL_SECONDS
    monkeypatch.setattr(api_keys.time, "monotonic", lambda: clock)
    problem(api.get("/api/v1/pledges", key=made["key"]), 401, "revoked-key")


@pytest.mark.parametrize(
    "args",
    [
        ("--kind", "merchant"),
        ("--kind", "merchant", "--owner", "nobody"),
        ("--kind", "admin", "--owner", MERCHANT),
        ("--kind", "marketplace", "--rate", "0"),
    ],
)
def test_bad_usage_exits_2(keys: Keys, capsys: Any, args: tuple[str, ...]) -> None:
    before = ApiKey.objects.count()
    code, _ = call("create_api_key", *args, capsys=capsys)
    assert code == 2
    assert ApiKey.objects.count() == before
    code, _ = call("revoke_api_key", "nope", capsys=capsys)
    assert code == 2


def test_a_key_with_a_wrong_secret_is_refused(api: Api, keys: Keys) -> None:
    prefix = keys.merchant.split("_")[1]
    problem(api.get("/api/v1/pledges", key=f"dw_{prefix}_guessed"), 401, "unauthorized")


def test_serve_binds_loopback_by_default(capsys: Any) -> None:
    code, document = call_json("serve", "--check", capsys=capsys)
    assert code == 0
    command = document["command"]
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert "dermawan.api.wsgi:application" in command


@pytest.mark.parametrize("client", [Api, ServedApi])
def test_a_key_may_come_in_x_api_key(client: type[Api], keys: Keys) -> None:
    api = client()
    assert api.get("/api/v1/pledges", headers={"X-Api-Key": keys.merchant}).status_code == 200
    problem(api.get("/api/v1/pledges", headers={"X-Api-Key": "dw_nobody"}), 401, "unauthorized")
    problem(api.get("/api/v1/pledges"), 401, "unauthorized")  # no key: not for the public
    # Authorization wins, and must say Bearer.
    both = {"X-Api-Key": keys.merchant, "Authorization": f"Basic {keys.merchant}"}
    problem(api.get("/api/v1/pledges", headers=both), 401, "unauthorized")


@pytest.mark.parametrize(
    "query", ["category=%00", "category=a%00b", "c%00ategory=x", "category=\x00", "a=1&b=%00"]
)
def test_a_nul_in_the_query_is_refused_before_the_database(keys: Keys, query: str) -> None:
    document = problem(ServedApi().get(f"/api/v1/projects?{query}"), 400, "bad-request")
    assert "NUL" in document["detail"]


def test_a_query_without_a_nul_is_read_as_usual(keys: Keys) -> None:
    assert ServedApi().get("/api/v1/projects?category=%30").status_code == 200
