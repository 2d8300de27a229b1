"""Bad input on every form field and URL parameter: a message, never a 500, nothing stored.

Each case starts from a form that would be accepted and spoils one field with
an empty, oversized, wrong-type or script-injection value. Oversized and
wrong-type values must be refused (400) with nothing stored; an empty value
is refused where the field is required; a script is refused or, where the
text is legitimately free (a product id, a caption), stored and shown escaped.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.backoffice.conftest import PROJECT, Counter, People

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
HUGE = "9" * 100_000
BAD = {"empty": "", "oversized": HUGE, "wrong_type": "abc\x00", "script": SCRIPT,
       "list": ["1", "2"]}  # fmt: skip


def today() -> str:
    return timezone.now().date().isoformat()


# (who, path, a valid form, required fields, fields that accept any text)
FORMS: dict[str, tuple[str, str, Any, set[str], set[str]]] = {
    "new pledge": (
        "merchant", "/office/merchant/pledges/new/",
        lambda: {"product_id": "minyak-2l", "project": PROJECT, "kind": "percent", "percent": "5",
                 "amount": "", "max_per_line": "", "valid_from": today(), "valid_to": ""},
        # amount: not read for a percent pledge, so any text there is ignored, not stored
        {"project", "kind", "percent", "valid_from"}, {"product_id", "amount"},
    ),
    "end pledge": (
        "merchant", "/office/merchant/pledges/pl-mine/end/",
        lambda: {"ends_on": "2999-01-01"}, set(), set(),
    ),
    "edit project": (
        "charity", f"/office/charity/projects/{PROJECT}/",
        lambda: {"goal": "1000", "impact_unit": "", "impact_unit_id": "", "impact_unit_en": "",
                 "impact_unit_zh_hans": ""},
        {"goal"}, {"impact_unit_id", "impact_unit_en", "impact_unit_zh_hans"},
    ),
    "report": (
        "charity", f"/office/charity/projects/{PROJECT}/reports/new/",
        lambda: {"title": "Laporan", "body": "Isi", "beneficiaries": "10"},
        {"title", "body", "beneficiaries"}, {"title", "body"},
    ),
    "bank account": (
        "charity", "/office/charity/bank-accounts/",
        lambda: {"holder_name": "Yayasan Pangan", "currency": "IDR", "iban": "", "bic": "",
                 "bank_code": "014", "account_number": "1234567890"},
        {"holder_name", "currency", "bank_code", "account_number"}, {"holder_name"},
    ),
    "decide": (
        "admin", "/office/admin/charities/yayasan-lain/decide/",
        lambda: {"decision": "refuse", "reason": "Dokumen kurang"},
        {"decision", "reason"}, {"reason"},
    ),
    "run": ("admin", "/office/admin/runs/", lambda: {"period": "2026-09"}, {"period"}, set()),
}  # fmt: skip
CASES = [(form, field, kind) for form, spec in FORMS.items() for field in spec[2]() for kind in BAD]


def client_for(people: People, who: str) -> Client:
    return getattr(people, who)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("form", "field", "kind"), CASES)
def test_a_spoiled_field_answers_with_a_message(
    people: People, stored_rows: Counter, form: str, field: str, kind: str
) -> None:
    who, path, valid, required, free_text = FORMS[form]
    data = valid()
    data[field] = BAD[kind]
    before = stored_rows()
    response = client_for(people, who).post(path, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code < 500
    refused = response.status_code == 400
    if kind in ("oversized", "wrong_type") or (kind == "empty" and field in required):
        assert refused, (form, field, kind, response.status_code)
    if kind == "script" and field not in free_text:
        assert refused, (form, field, kind, response.status_code)
    if refused:
        assert stored_rows() == before
        assert b'class="errors' in response.content  # the message, next to its field
    for page in (path, "/office/" + who + "/"):
        shown = client_for(people, who).get(page, follow=True).content
        assert SCRIPT.encode() not in shown


FILE_FORMS = {
    "photos": f"/office/charity/projects/{PROJECT}/photos/",
    "report photos": f"/office/charity/projects/{PROJECT}/reports/new/",
}


@pytest.mark.parametrize("path", FILE_FORMS.values())
@pytest.mark.parametrize(
    "content",
    [b"", SCRIPT.encode(), b"\x89PNG\r\n\x1a\n" + b"0" * 64, b"\x89PNG" + b"0" * 6 * 2**20],
    ids=["empty", "script", "broken-png", "over-5-MB"],
)
def test_a_file_that_is_not_an_image_is_refused(
    people: People, stored_rows: Counter, path: str, content: bytes
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.png", content, content_type="image/png")
    data = {"title": "T", "body": "B", "beneficiaries": "1", "photos": [upload]}
    before = stored_rows()
    response = people.charity.post(path, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert stored_rows() == before


URL_PARAMETERS = [
    ("merchant", "/office/merchant/pledges/{}/"),
    ("merchant", "/office/merchant/pledges/{}/end/"),
    ("charity", "/office/charity/projects/{}/"),
    ("charity", "/office/charity/projects/{}/reports/new/"),
    ("charity", "/office/charity/bank-accounts/{}/end/"),
    ("admin", "/office/admin/charities/{}/"),
    ("admin", "/office/admin/runs/{}/"),
    ("admin", "/office/admin/runs/{}/approve/"),
    ("admin", "/office/admin/dead-letters/{}/retry/"),
    ("admin", "/office/admin/documents/{}/"),
]
PATH_VALUES = ["x" * 5000, "-1", "1e9", "99999999999999999999999", "%3Cscript%3E", "%00", "1.5"]


@pytest.mark.parametrize(("who", "pattern"), URL_PARAMETERS)
@pytest.mark.parametrize("value", PATH_VALUES)
def test_a_bad_url_parameter_is_not_found(
    people: People, stored_rows: Counter, who: str, pattern: str, value: str
) -> None:
    before = stored_rows()
    client = client_for(people, who)
    path = pattern.format(value)
    method = client.post if pattern.endswith(("end/", "approve/", "retry/")) else client.get
    assert method(path).status_code == 404
    assert stored_rows() == before


LISTS = {
    "merchant": ["/office/merchant/", "/office/merchant/statements/"],
    "charity": ["/office/charity/payouts/"],
    "admin": ["/office/admin/", "/office/admin/runs/", "/office/admin/dead-letters/",
              "/office/admin/audit/"],
}  # fmt: skip
QUERIES = ["page=", "page=abc", "page=-1", "page=0", f"page={HUGE}", "page=1&page=2",
           "page=%3Cscript%3E", "page=99999"]  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
def test_bad_page_numbers_show_a_page(people: People, query: str) -> None:
    for who, paths in LISTS.items():
        for path in paths:
            response = client_for(people, who).get(f"{path}?{query}")
            assert response.status_code == 200, (path, query)


@pytest.mark.parametrize("name", ["action", "subject", "actor"])
@pytest.mark.parametrize("kind", ["oversized", "script", "wrong_type"])
def test_bad_audit_filters_answer_with_a_message(people: People, name: str, kind: str) -> None:
    response = people.admin.get("/office/admin/audit/", {name: BAD[kind]})
    assert response.status_code in (200, 400)
    assert SCRIPT.encode() not in response.content
    if kind != "script":
        assert response.status_code == 400 and b'class="errors' in response.content
