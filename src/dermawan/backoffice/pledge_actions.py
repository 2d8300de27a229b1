"""A merchant's pledges: create and end them, through the catalog's own validation.

Creating hands the form's record to ``load_catalog`` (the rules of ``dermawan
load-catalog`` and the API: references, terms, overlap); ending goes through
``catalog.pledge_ending`` (already ended, not in the past, never later) and
then ``load_catalog`` with the new ``valid_to`` (immutability). Both write an
audit entry in the same transaction.
"""

from __future__ import annotations

import secrets
import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dermawan.api.pledges import pledge_out
from dermawan.auditlog.entries import record as audit
from dermawan.backoffice.pledge_forms import PledgeForm, start_of
from dermawan.catalog.loader import CatalogError, CatalogRefused, load_catalog
from dermawan.catalog.models import Pledge
from dermawan.catalog.pledge_ending import EndRefused, end_instant
from dermawan.core.instants import EPOCH, MICROS_PER_SECOND, ONE_MICROSECOND, to_rfc3339


class PledgeRefused(ValueError):
    """An end (or a create) the rules refuse; the message is for the merchant."""


def new_pledge_id(merchant_id: str) -> str:
    return f"{merchant_id[:80]}-{secrets.token_hex(4)}"


def _message(error: CatalogError) -> tuple[str | None, str]:
    """Which field a catalog refusal concerns, and what to tell the merchant."""
    if error.reason == "overlapping_pledge":
        return "product_id", _(
            "You already pledge this product (or all your products) for part of this time. "
            "End that pledge first, or choose other dates."
        )
    if error.reason == "unknown_project":
        return "project", _("That project does not exist.")
    if error.reason == "unknown_merchant":
        return None, _("Your merchant account is not in the catalog; ask the platform.")
    return None, _("The pledge was refused: %(message)s") % {"message": error.message}


def create(form: PledgeForm, merchant_id: str, actor: str) -> Pledge | None:
    """Store the valid form's pledge; on refusal the errors go onto the form and None returns."""
    pledge_id = new_pledge_id(merchant_id)
    document = {"pledges": [form.record(pledge_id, merchant_id)]}
    try:
        with transaction.atomic():
            load_catalog(document)
            audit(actor, "pledge.create", f"pledge:{pledge_id}", merchant_id=merchant_id)
    except CatalogRefused as refused:
        for error in refused.errors:
            field, message = _message(error)
            form.add_error(field, message)
        return None
    return Pledge.objects.get(id=pledge_id)


def _us(moment: object) -> int:
    return (moment - EPOCH) // ONE_MICROSECOND  # type: ignore[operator, no-any-return]


def end(pledge: Pledge, ends_on: object, actor: str) -> Pledge:
    """End ``pledge`` now (``ends_on`` None) or at the start of that day; PledgeRefused if not."""
    now_us = int(time.time() * MICROS_PER_SECOND)
    current_to = None if pledge.valid_to is None else _us(pledge.valid_to)
    # Ending "today" means now: the start of today has already passed.
    if ends_on is None or ends_on == timezone.now().date():
        requested = None
    else:
        requested = _us(start_of(ends_on))  # type: ignore[arg-type]
    try:
        end_us = end_instant(current_to, requested, now_us)
    except EndRefused as refused:
        raise PledgeRefused(
            {
                EndRefused.ENDED: _("This pledge has already ended."),
                EndRefused.PAST: _(
                    "A pledge cannot end in the past: donations already made keep their pledge."
                ),
                EndRefused.LATER: _("A pledge can end earlier, never later than it ends now."),
            }[refused.reason]
        ) from None
    document = dict(pledge_out(pledge))
    document = {k: v for k, v in document.items() if v is not None or k == "product_id"}
    document["valid_to"] = to_rfc3339(end_us)
    try:
        with transaction.atomic():
            load_catalog({"pledges": [document]})
            audit(actor, "pledge.end", f"pledge:{pledge.id}", valid_to=document["valid_to"])
    except CatalogRefused as refused:
        raise PledgeRefused(_message(refused.errors[0])[1]) from None
    return Pledge.objects.get(id=pledge.id)
