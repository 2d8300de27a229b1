"""Spec section 2: loading the catalog (all or nothing, every error listed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dermawan.catalog.loader import CatalogRefused, load_catalog
from dermawan.catalog.models import Charity, Merchant, Pledge, Project
from tests.donations.builders import (
    ABSENT,
    CHARITY,
    MERCHANT,
    OTHER_MERCHANT,
    PRODUCT,
    PROJECT,
    call_json,
    catalog,
    fixed_pledge,
    merchant,
    percent_pledge,
    project,
)

pytestmark = pytest.mark.django_db

MODELS = (Charity, Project, Merchant, Pledge)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in MODELS}


def refused(document: dict[str, Any]) -> list[tuple[Any, str]]:
    """Load a document that must be refused; returns sorted (id, reason) pairs."""
    with pytest.raises(CatalogRefused) as info:
        load_catalog(document)
    errors = info.value.errors
    for error in errors:
        as_dict = error.as_dict()
        assert set(as_dict) == {"id", "reason", "message"}
        assert as_dict["message"], "every error carries a message"
    return sorted(((e.id, e.reason) for e in errors), key=repr)


def spec_example() -> dict[str, Any]:
    """The document of spec section 2, verbatim."""
    return {
        "charities": [
            {
                "id": "yayasan-pangan",
                "name": "Yayasan Pangan Anak",
                "country": "ID",
                "verified": True,
            }
        ],
        "projects": [
            {
                "id": "makan-siang",
                "charity_id": "yayasan-pangan",
                "name": "Makan Siang Gratis",
                "category": "children",
                "region": "ID-JT",
                "currency": "IDR",
                "goal_minor": 50000000000,
                "status": "active",
            }
        ],
        "merchants": [{"id": "toko-tani", "name": "Toko Tani Makmur"}],
        "pledges": [
            {
                "id": "pl-1",
                "merchant_id": "toko-tani",
                "product_id": "beras-5kg",
                "project_id": "makan-siang",
                "kind": "percent",
                "basis_points": 500,
                "valid_from": "2026-09-05T00:00:00Z",
                "valid_to": None,
            },
            {
                "id": "pl-2",
                "merchant_id": "toko-tani",
                "product_id": None,
                "project_id": "makan-siang",
                "kind": "fixed",
                "amount_minor": 50000,
                "currency": "IDR",
                "max_per_line_minor": 1000000,
                "valid_from": "2026-01-01T00:00:00Z",
                "valid_to": "2027-01-01T00:00:00Z",
            },
        ],
    }


# --- loading ---------------------------------------------------------------


def test_spec_example_loads_with_counts() -> None:
    assert load_catalog(spec_example()) == {
        "charities": 1,
        "projects": 1,
        "merchants": 1,
        "pledges": 2,
    }
    assert Charity.objects.get().id == "yayasan-pangan"
    assert Project.objects.get().charity_id == "yayasan-pangan"
    assert Merchant.objects.get().id == "toko-tani"
    one, two = Pledge.objects.order_by("id")
    assert (one.product_id, one.kind, one.basis_points, one.valid_to) == (
        "beras-5kg",
        "percent",
        500,
        None,
    )
    assert (two.product_id, two.kind, two.amount_minor, two.currency) == (
        None,
        "fixed",
        50000,
        "IDR",
    )
    assert two.max_per_line_minor == 1000000


def test_reload_changes_nothing() -> None:
    document = spec_example()
    first = load_catalog(document)
    before = snapshot()
    assert load_catalog(document) == first
    assert snapshot() == before


def test_known_record_is_updated() -> None:
    load_catalog(spec_example())
    document = spec_example()
    document["charities"][0]["name"] = "Yayasan Pangan Anak Indonesia"
    document["projects"][0]["goal_minor"] = 75000000000
    document["merchants"][0]["name"] = "Toko Tani Jaya"
    load_catalog(document)
    assert Charity.objects.get().name == "Yayasan Pangan Anak Indonesia"
    assert Project.objects.get().goal_minor == 75000000000
    assert Merchant.objects.get().name == "Toko Tani Jaya"


def test_references_to_records_already_loaded_are_known() -> None:
    load_catalog(catalog())
    later = catalog(
        percent_pledge("pl-later"), charities=[], projects=[project("p2")], merchants=[]
    )
    assert load_catalog(later) == {"charities": 0, "projects": 1, "merchants": 0, "pledges": 1}
    assert Pledge.objects.get().project_id == PROJECT
    assert Project.objects.get(id="p2").charity_id == CHARITY


def test_boundary_values_are_accepted() -> None:
    document = catalog(
        percent_pledge("pl-1", basis_points=1, product_id="a"),
        percent_pledge("pl-10000", basis_points=10_000, product_id="b"),
        fixed_pledge("pl-0", amount_minor=0, product_id="c", max_per_line_minor=0),
        fixed_pledge("pl-max", amount_minor=10**14, product_id="d", max_per_line_minor=10**14),
    )
    assert load_catalog(document)["pledges"] == 4


# --- all or nothing, every error listed -----------------------------------


def test_one_invalid_record_and_nothing_is_written() -> None:
    document = catalog(
        percent_pledge("pl-good", product_id=PRODUCT),
        percent_pledge("pl-bad", basis_points=0, product_id=None),
    )
    assert refused(document) == [("pl-bad", "malformed")]
    assert snapshot() == {name: [] for name in snapshot()}


def test_every_error_is_listed_with_its_id() -> None:
    document = catalog(
        percent_pledge("pl-bad-points", basis_points=20_000, product_id="a"),
        percent_pledge("pl-no-merchant", merchant_id="nobody", product_id="b"),
        percent_pledge("pl-no-project", project_id="nothing", product_id="c"),
        projects=[project(PROJECT), project("orphan", charity_id="no-such-charity")],
        merchants=[merchant(MERCHANT)],
    )
    assert refused(document) == sorted(
        [
            ("orphan", "unknown_charity"),
            ("pl-bad-points", "malformed"),
            ("pl-no-merchant", "unknown_merchant"),
            ("pl-no-project", "unknown_project"),
        ],
        key=repr,
    )
    assert Charity.objects.count() == 0


def test_overlap_is_listed_along_with_other_errors() -> None:
    document = catalog(
        percent_pledge("pl-a"),
        percent_pledge("pl-b", valid_from="2026-03-01T00:00:00Z"),
        percent_pledge("pl-bad", basis_points="500", product_id="x"),
    )
    errors = refused(document)
    assert ("pl-bad", "malformed") in errors
    overlaps = [e for e in errors if e[1] == "overlapping_pledge"]
    assert overlaps and {e[0] for e in overlaps} <= {"pl-a", "pl-b"}


# --- malformed -------------------------------------------------------------

MALFORMED_PLEDGES = {
    "valid_from missing": percent_pledge("x", valid_from=ABSENT),
    "valid_from null": percent_pledge("x", valid_from=None),
    "valid_from without offset": percent_pledge("x", valid_from="2026-01-01T00:00:00"),
    "valid_from not a time": percent_pledge("x", valid_from="soon"),
    "valid_to without offset": percent_pledge("x", valid_to="2027-01-01T00:00:00"),
    "valid_from equals valid_to": percent_pledge(
        "x", valid_from="2026-05-01T00:00:00Z", valid_to="2026-05-01T07:00:00+07:00"
    ),
    "valid_from after valid_to": percent_pledge(
        "x", valid_from="2026-05-02T00:00:00Z", valid_to="2026-05-01T00:00:00Z"
    ),
    "unknown kind": percent_pledge("x", kind="share"),
    "kind missing": percent_pledge("x", kind=ABSENT),
    "basis_points 0": percent_pledge("x", basis_points=0),
    "basis_points 10001": percent_pledge("x", basis_points=10_001),
    "basis_points 2.0": percent_pledge("x", basis_points=500.0),
    "basis_points text": percent_pledge("x", basis_points="500"),
    "basis_points true": percent_pledge("x", basis_points=True),
    "basis_points missing": percent_pledge("x", basis_points=ABSENT),
    "fixed amount missing": fixed_pledge("x", amount_minor=ABSENT),
    "fixed amount negative": fixed_pledge("x", amount_minor=-1),
    "fixed amount above 10^14": fixed_pledge("x", amount_minor=10**14 + 1),
    "fixed amount 2.0": fixed_pledge("x", amount_minor=2.0),
    "fixed amount text": fixed_pledge("x", amount_minor="50000"),
    "fixed currency missing": fixed_pledge("x", amount_minor=100, currency=ABSENT),
    "fixed currency unknown": fixed_pledge("x", amount_minor=100, currency="XXX"),
    "fixed currency lower case": fixed_pledge("x", amount_minor=100, currency="idr"),
    "cap negative": percent_pledge("x", max_per_line_minor=-1),
    "cap above 10^14": percent_pledge("x", max_per_line_minor=10**14 + 1),
    "cap text": percent_pledge("x", max_per_line_minor="1000"),
    "merchant_id missing": percent_pledge("x", merchant_id=ABSENT),
    "project_id missing": percent_pledge("x", project_id=ABSENT),
}


@pytest.mark.parametrize("pledge", MALFORMED_PLEDGES.values(), ids=MALFORMED_PLEDGES.keys())
def test_malformed_pledge(pledge: dict[str, Any]) -> None:
    assert refused(catalog(pledge)) == [("x", "malformed")]
    assert Pledge.objects.count() == 0 and Charity.objects.count() == 0


MALFORMED_PROJECTS = {
    "currency unknown": project("x", currency="XXX"),
    "currency lower case": project("x", currency="idr"),
    "goal negative": project("x", goal_minor=-1),
    "goal above 10^14": project("x", goal_minor=10**14 + 1),
    "goal 2.0": project("x", goal_minor=2.0),
    "goal text": project("x", goal_minor="50000"),
    "charity_id missing": project("x", charity_id=ABSENT),
}


@pytest.mark.parametrize("record", MALFORMED_PROJECTS.values(), ids=MALFORMED_PROJECTS.keys())
def test_malformed_project(record: dict[str, Any]) -> None:
    document = catalog(projects=[project(), record])
    assert refused(document) == [("x", "malformed")]
    assert Project.objects.count() == 0 and Charity.objects.count() == 0


def test_record_that_is_not_an_object_is_malformed() -> None:
    document = catalog()
    document["merchants"].append("toko-string")
    errors = refused(document)
    assert [reason for _, reason in errors] == ["malformed"]
    assert Merchant.objects.count() == 0


# --- unknown references -----------------------------------------------------


def test_unknown_charity() -> None:
    document = catalog(projects=[project(PROJECT, charity_id="ghost")])
    assert refused(document) == [(PROJECT, "unknown_charity")]
    assert Project.objects.count() == 0


def test_unknown_project() -> None:
    document = catalog(percent_pledge("pl-1", project_id="ghost"), projects=[project()])
    assert refused(document) == [("pl-1", "unknown_project")]
    assert Project.objects.count() == 0


def test_unknown_merchant() -> None:
    document = catalog(percent_pledge("pl-1", merchant_id="ghost"), merchants=[merchant()])
    assert refused(document) == [("pl-1", "unknown_merchant")]
    assert Merchant.objects.count() == 0


# --- overlapping pledges -----------------------------------------------------

JAN, FEB, MAR, APR = (f"2026-0{m}-01T00:00:00Z" for m in (1, 2, 3, 4))


@pytest.mark.parametrize(
    "first, second",
    [
        pytest.param((JAN, MAR), (FEB, APR), id="windows cross"),
        pytest.param((JAN, APR), (FEB, MAR), id="one inside the other"),
        pytest.param((JAN, None), (MAR, APR), id="open window covers later"),
        pytest.param((FEB, MAR), (JAN, None), id="later open window"),
        pytest.param((JAN, FEB), (JAN, FEB), id="same window"),
        pytest.param((JAN, FEB), ("2026-02-01T06:59:59+07:00", MAR), id="offsets as instants"),
    ],
)
@pytest.mark.parametrize("product_id", [PRODUCT, None], ids=["product", "merchant-wide"])
def test_overlapping_pledges_in_one_file(
    first: tuple[str, str | None], second: tuple[str, str | None], product_id: str | None
) -> None:
    document = catalog(
        percent_pledge("pl-a", product_id=product_id, valid_from=first[0], valid_to=first[1]),
        percent_pledge("pl-b", product_id=product_id, valid_from=second[0], valid_to=second[1]),
    )
    errors = refused(document)
    assert errors and all(reason == "overlapping_pledge" for _, reason in errors)
    assert {pledge_id for pledge_id, _ in errors} <= {"pl-a", "pl-b"}
    assert Pledge.objects.count() == 0


def test_overlap_is_judged_on_windows_alone_whatever_kind_or_currency() -> None:
    document = catalog(
        percent_pledge("pl-a", product_id=PRODUCT),
        fixed_pledge("pl-b", amount_minor=100, currency="USD", product_id=PRODUCT),
    )
    errors = refused(document)
    assert errors and {reason for _, reason in errors} == {"overlapping_pledge"}


@pytest.mark.parametrize(
    "a, b",
    [
        pytest.param(
            percent_pledge("pl-a", product_id=PRODUCT),
            percent_pledge("pl-b", product_id=None),
            id="product and merchant-wide",
        ),
        pytest.param(
            percent_pledge("pl-a", product_id=PRODUCT),
            percent_pledge("pl-b", product_id="other-product"),
            id="two products",
        ),
        pytest.param(
            percent_pledge("pl-a", merchant_id=MERCHANT),
            percent_pledge("pl-b", merchant_id=OTHER_MERCHANT),
            id="two merchants",
        ),
        pytest.param(
            percent_pledge("pl-a", valid_from=JAN, valid_to=FEB),
            percent_pledge("pl-b", valid_from=FEB, valid_to=None),
            id="touching windows",
        ),
        pytest.param(
            percent_pledge("pl-a", valid_from=JAN, valid_to=FEB),
            percent_pledge("pl-b", valid_from="2026-02-01T07:00:00+07:00"),
            id="touching windows, other offset",
        ),
    ],
)
def test_allowed_overlaps(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert load_catalog(catalog(a, b))["pledges"] == 2
    assert Pledge.objects.count() == 2


def test_overlap_with_a_pledge_already_in_the_database() -> None:
    load_catalog(catalog(percent_pledge("pl-old", valid_from=JAN, valid_to=MAR)))
    before = snapshot()
    document = catalog(
        percent_pledge("pl-new", valid_from=FEB, valid_to=None), charities=[], projects=[]
    )
    assert refused(document) == [("pl-new", "overlapping_pledge")]
    assert snapshot() == before


def test_new_pledge_after_a_database_pledge_is_allowed() -> None:
    load_catalog(catalog(percent_pledge("pl-old", valid_from=JAN, valid_to=MAR)))
    load_catalog(catalog(percent_pledge("pl-new", valid_from=MAR)))
    assert Pledge.objects.count() == 2


def test_product_pledge_next_to_database_merchant_wide_is_allowed() -> None:
    load_catalog(catalog(percent_pledge("pl-wide")))
    load_catalog(catalog(percent_pledge("pl-product", product_id=PRODUCT)))
    assert Pledge.objects.count() == 2


def test_extending_valid_to_into_another_pledge_overlaps() -> None:
    load_catalog(
        catalog(
            percent_pledge("pl-a", valid_from=JAN, valid_to=FEB),
            percent_pledge("pl-b", valid_from=MAR, valid_to=APR),
        )
    )
    before = snapshot()
    document = catalog(percent_pledge("pl-a", valid_from=JAN, valid_to=None))
    errors = refused(document)
    assert errors and {reason for _, reason in errors} == {"overlapping_pledge"}
    assert snapshot() == before


# --- immutable pledges -------------------------------------------------------


def _stored(pledge: dict[str, Any]) -> dict[str, Any]:
    document = catalog(pledge, projects=[project(), project("other-project")])
    load_catalog(document)
    return document


@pytest.mark.parametrize(
    "original, change",
    [
        pytest.param(percent_pledge("pl-1"), {"basis_points": 600}, id="basis_points"),
        pytest.param(percent_pledge("pl-1"), {"project_id": "other-project"}, id="project_id"),
        pytest.param(percent_pledge("pl-1"), {"product_id": PRODUCT}, id="product_id"),
        pytest.param(percent_pledge("pl-1"), {"merchant_id": OTHER_MERCHANT}, id="merchant_id"),
        pytest.param(percent_pledge("pl-1"), {"valid_from": FEB}, id="valid_from"),
        pytest.param(percent_pledge("pl-1"), {"max_per_line_minor": 100}, id="cap added"),
        pytest.param(
            percent_pledge("pl-1"),
            {"kind": "fixed", "amount_minor": 100, "currency": "IDR"},
            id="kind",
        ),
        pytest.param(
            fixed_pledge("pl-1", amount_minor=100), {"amount_minor": 200}, id="amount_minor"
        ),
        pytest.param(fixed_pledge("pl-1", amount_minor=100), {"currency": "USD"}, id="currency"),
        pytest.param(
            fixed_pledge("pl-1", amount_minor=100, max_per_line_minor=500),
            {"max_per_line_minor": 600},
            id="cap changed",
        ),
    ],
)
def test_loaded_pledge_is_immutable(original: dict[str, Any], change: dict[str, Any]) -> None:
    document = _stored(original)
    before = snapshot()
    document["pledges"] = [{**original, **change}]
    if change.get("kind") == "fixed":
        document["pledges"][0].pop("basis_points")
    assert refused(document) == [("pl-1", "pledge_immutable")]
    assert snapshot() == before


@pytest.mark.parametrize(
    "first, then",
    [(None, "2026-12-01T00:00:00Z"), ("2026-12-01T00:00:00Z", "2027-06-01T00:00:00Z"), (APR, None)],
    ids=["open to closed", "moved later", "closed to open"],
)
def test_valid_to_may_change(first: str | None, then: str | None) -> None:
    document = _stored(percent_pledge("pl-1", valid_to=first))
    document["pledges"] = [percent_pledge("pl-1", valid_to=then)]
    document["charities"][0]["name"] = "renamed in the same load"
    load_catalog(document)
    stored = Pledge.objects.get()
    expected = None if then is None else then.replace("Z", "+00:00")
    assert (stored.valid_to and stored.valid_to.isoformat()) == expected
    assert stored.basis_points == 500
    assert Charity.objects.get().name == "renamed in the same load"


# --- the command ---------------------------------------------------------------


def test_command_prints_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(spec_example()))
    code, document = call_json("load_catalog", str(path), capsys=capsys)
    assert code == 0
    assert document == {"charities": 1, "projects": 1, "merchants": 1, "pledges": 2}


def test_command_refuses_with_exit_2_and_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = spec_example()
    bad["pledges"][0]["basis_points"] = 0
    bad["pledges"][1]["project_id"] = "ghost"
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(bad))
    code, document = call_json("load_catalog", str(path), capsys=capsys)
    assert code == 2
    assert set(document) == {"errors"}
    assert all(set(e) == {"id", "reason", "message"} for e in document["errors"])
    assert sorted((e["id"], e["reason"]) for e in document["errors"]) == [
        ("pl-1", "malformed"),
        ("pl-2", "unknown_project"),
    ]
    assert snapshot() == {name: [] for name in snapshot()}


@pytest.mark.parametrize("content", [None, b"{not json", b"\x00\xff\xfe garbage"])
def test_command_unreadable_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None
) -> None:
    path = tmp_path / "catalog.json"
    if content is not None:
        path.write_bytes(content)
    code, document = call_json("load_catalog", str(path), capsys=capsys)
    assert code == 2
    assert document["errors"]
    assert snapshot() == {name: [] for name in snapshot()}


def test_refused_load_leaves_nothing_to_refer_to() -> None:
    """A refused load writes nothing, so a later load cannot lean on its records."""
    refused(catalog(percent_pledge("pl-x", basis_points=0)))
    later = catalog(percent_pledge("pl-y"), charities=[], projects=[project()])
    assert refused(later) == [(PROJECT, "unknown_charity")]
