"""Loading a catalog document (spec section 2): all or nothing.

Every record is validated against the file and the database first; one error
and nothing is written, with every error listed by record id and reason.
Loading the same document again changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from dermawan.catalog.models import Charity, Merchant, Pledge, Project
from dermawan.core.instants import parse_instant, to_datetime
from dermawan.core.money import is_known_currency
from dermawan.core.values import (
    Invalid,
    read_amount,
    read_id,
    read_int,
    read_optional_amount,
    read_optional_id,
    read_text,
)

SECTIONS = ("charities", "projects", "merchants", "pledges")


@dataclass(frozen=True)
class CatalogError:
    id: str | None
    reason: str
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"id": self.id, "reason": self.reason, "message": self.message}


class CatalogRefused(Exception):
    def __init__(self, errors: list[CatalogError]) -> None:
        super().__init__(f"catalog refused: {len(errors)} error(s)")
        self.errors = errors


@dataclass
class _Parsed:
    charities: dict[str, Charity] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    merchants: dict[str, Merchant] = field(default_factory=dict)
    pledges: dict[str, Pledge] = field(default_factory=dict)
    errors: list[CatalogError] = field(default_factory=list)


def load_catalog(document: Any) -> dict[str, int]:
    """Validate and write ``document``; returns the counts in the file.

    Raises ``CatalogRefused`` listing every error when any record is invalid.
    """
    parsed = _parse(document)
    with transaction.atomic():
        # Every record that parsed is checked too, so one refusal lists every error.
        _check_references(parsed)
        _check_pledges_against_database(parsed)
        if parsed.errors:
            raise CatalogRefused(parsed.errors)
        _write(parsed)
    return {name: len(getattr(parsed, name)) for name in SECTIONS}


def _records(document: Any, parsed: _Parsed) -> dict[str, list[Any]]:
    if not isinstance(document, dict):
        parsed.errors.append(CatalogError(None, "malformed", "the catalog must be a JSON object"))
        return {}
    sections: dict[str, list[Any]] = {}
    for name in SECTIONS:
        value = document.get(name, [])
        if not isinstance(value, list):
            parsed.errors.append(CatalogError(None, "malformed", f"{name} must be a list"))
            value = []
        sections[name] = value
    return sections


def _parse(document: Any) -> _Parsed:
    parsed = _Parsed()
    readers = {
        "charities": _charity,
        "projects": _project,
        "merchants": _merchant,
        "pledges": _pledge,
    }
    for name, records in _records(document, parsed).items():
        seen: dict[str, Any] = getattr(parsed, name)
        for position, record in enumerate(records, start=1):
            record_id: str | None = None
            try:
                if not isinstance(record, dict):
                    raise Invalid("malformed", f"{name} record {position} is not an object")
                record_id = read_id(record, "id")
                if record_id in seen:
                    raise Invalid("malformed", f"{name} lists id {record_id} twice")
                seen[record_id] = readers[name](record_id, record)
            except Invalid as invalid:
                reason = "malformed" if invalid.reason == "invalid_amount" else invalid.reason
                parsed.errors.append(CatalogError(record_id, reason, invalid.message))
    return parsed


def _charity(record_id: str, record: dict[str, Any]) -> Charity:
    country = read_text(record, "country")
    if country is None or len(country) != 2 or not country.isalpha() or not country.isupper():
        raise Invalid("malformed", f"country must be an ISO 3166 alpha-2 code, got {country!r}")
    verified = record.get("verified", False)
    if type(verified) is not bool:
        raise Invalid("malformed", f"verified must be true or false, got {verified!r}")
    return Charity(id=record_id, name=read_text(record, "name"), country=country, verified=verified)


def _currency(record: dict[str, Any]) -> str:
    currency = record.get("currency")
    if not is_known_currency(currency):
        raise Invalid("malformed", f"currency {currency!r} is not a known ISO 4217 code")
    return str(currency)


def _project(record_id: str, record: dict[str, Any]) -> Project:
    currency = _currency(record)
    return Project(
        id=record_id,
        charity_id=read_id(record, "charity_id"),
        name=read_text(record, "name"),
        category=read_text(record, "category", 50),
        region=read_text(record, "region", 10),
        currency=currency,
        goal_minor=read_amount(record, "goal_minor"),
        status=read_text(record, "status", 20),
    )


def _merchant(record_id: str, record: dict[str, Any]) -> Merchant:
    return Merchant(id=record_id, name=read_text(record, "name"))


def _instant(record: dict[str, Any], name: str) -> datetime:
    moment = _optional_instant(record, name)
    if moment is None:
        raise Invalid("malformed", f"{name} is required")
    return moment


def _optional_instant(record: dict[str, Any], name: str) -> datetime | None:
    value = record.get(name)
    if value is None:
        return None
    instant = parse_instant(value)
    if instant is None:
        raise Invalid("malformed", f"{name} {value!r} is not an RFC 3339 time with an offset")
    return to_datetime(instant)


def _pledge(record_id: str, record: dict[str, Any]) -> Pledge:
    kind = record.get("kind")
    if kind not in (Pledge.PERCENT, Pledge.FIXED):
        raise Invalid("malformed", f"kind must be percent or fixed, got {kind!r}")
    pledge = Pledge(
        id=record_id,
        merchant_id=read_id(record, "merchant_id"),
        product_id=read_optional_id(record, "product_id"),
        project_id=read_id(record, "project_id"),
        kind=kind,
        max_per_line_minor=read_optional_amount(record, "max_per_line_minor"),
        valid_from=_instant(record, "valid_from"),
        valid_to=_optional_instant(record, "valid_to"),
    )
    if kind == Pledge.PERCENT:
        points = read_int(record, "basis_points")
        if not 1 <= points <= 10_000:
            raise Invalid("malformed", f"basis_points {points} is outside 1..10000")
        pledge.basis_points = points
    else:
        pledge.amount_minor = read_amount(record, "amount_minor")
        pledge.currency = _currency(record)
    if pledge.valid_to is not None and pledge.valid_to <= pledge.valid_from:
        raise Invalid("malformed", "valid_from must be before valid_to")
    return pledge


def _check_references(parsed: _Parsed) -> None:
    def known(model: type[Charity | Project | Merchant], in_file: dict[str, Any]) -> set[str]:
        return set(in_file) | set(model.objects.values_list("id", flat=True))

    charities = known(Charity, parsed.charities)
    for project in parsed.projects.values():
        if project.charity_id not in charities:
            parsed.errors.append(
                CatalogError(
                    project.id, "unknown_charity", f"charity {project.charity_id} does not exist"
                )
            )
    projects = known(Project, parsed.projects)
    merchants = known(Merchant, parsed.merchants)
    for pledge in parsed.pledges.values():
        if pledge.merchant_id not in merchants:
            parsed.errors.append(
                CatalogError(
                    pledge.id, "unknown_merchant", f"merchant {pledge.merchant_id} does not exist"
                )
            )
        if pledge.project_id not in projects:
            parsed.errors.append(
                CatalogError(
                    pledge.id, "unknown_project", f"project {pledge.project_id} does not exist"
                )
            )


IMMUTABLE_PLEDGE_FIELDS = (
    "merchant_id",
    "product_id",
    "project_id",
    "kind",
    "basis_points",
    "amount_minor",
    "currency",
    "max_per_line_minor",
    "valid_from",
)


def _check_pledges_against_database(parsed: _Parsed) -> None:
    stored = {p.id: p for p in Pledge.objects.filter(id__in=list(parsed.pledges))}
    for pledge in parsed.pledges.values():
        before = stored.get(pledge.id)
        if before is None:
            continue
        changed = [f for f in IMMUTABLE_PLEDGE_FIELDS if getattr(before, f) != getattr(pledge, f)]
        if changed:
            parsed.errors.append(
                CatalogError(
                    pledge.id,
                    "pledge_immutable",
                    f"a loaded pledge may only change valid_to; this changes {', '.join(changed)}",
                )
            )
    # Overlap is judged on the windows alone, per merchant and product scope,
    # over the pledges as they would stand after this load.
    merchants = {p.merchant_id for p in parsed.pledges.values()}
    after: dict[tuple[str, str | None], list[Pledge]] = defaultdict(list)
    for pledge in Pledge.objects.filter(merchant_id__in=merchants).exclude(
        id__in=list(parsed.pledges)
    ):
        after[(pledge.merchant_id, pledge.product_id)].append(pledge)
    for pledge in parsed.pledges.values():
        after[(pledge.merchant_id, pledge.product_id)].append(pledge)
    for scope in after.values():
        scope.sort(key=lambda p: (p.valid_from, p.id))
        reach = scope[0]  # of the pledges so far, the one whose window ends last
        for later in scope[1:]:
            if reach.valid_to is None or reach.valid_to > later.valid_from:
                offender, other = (later, reach) if later.id in parsed.pledges else (reach, later)
                parsed.errors.append(
                    CatalogError(
                        offender.id,
                        "overlapping_pledge",
                        f"its window overlaps pledge {other.id} of merchant "
                        f"{offender.merchant_id} for the same product scope",
                    )
                )
            if reach.valid_to is not None and (
                later.valid_to is None or later.valid_to > reach.valid_to
            ):
                reach = later


def _write(parsed: _Parsed) -> None:
    # Upserts: a known id is updated in place, so loading twice changes nothing.
    Charity.objects.bulk_create(
        parsed.charities.values(),
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["name", "country", "verified"],
    )
    Merchant.objects.bulk_create(
        parsed.merchants.values(),
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["name"],
    )
    Project.objects.bulk_create(
        parsed.projects.values(),
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["charity", "name", "category", "region", "currency", "goal_minor", "status"],
    )
    Pledge.objects.bulk_create(
        parsed.pledges.values(),
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["valid_to"],
    )
