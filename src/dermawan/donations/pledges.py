"""Choosing a line's pledge and computing its donation (spec section 3, paid).

The catalog is small next to the event stream, so an ingest loads every
pledge once into a book keyed by merchant and product scope; choosing is then
a dictionary lookup and a scan of a handful of windows.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from dermawan.catalog.models import Pledge, Project
from dermawan.core.instants import EPOCH, ONE_MICROSECOND
from dermawan.core.money import percent_of


class Terms(NamedTuple):
    pledge_id: str
    project_id: str
    charity_id: str
    valid_from_us: int
    valid_to_us: int | None
    basis_points: int | None  # percent pledges
    amount_minor: int | None  # fixed pledges, per item
    currency: str | None  # fixed pledges
    max_per_line_minor: int | None

    def donation(self, quantity: int, net_minor: int) -> int:
        if self.basis_points is not None:
            amount = percent_of(net_minor, self.basis_points)
        else:
            assert self.amount_minor is not None
            amount = self.amount_minor * quantity
        if self.max_per_line_minor is not None and amount > self.max_per_line_minor:
            return self.max_per_line_minor
        return amount


class PledgeBook:
    """Every pledge, by (merchant, product scope); ``None`` is merchant-wide."""

    def __init__(self, terms: list[tuple[str, str | None, Terms]]) -> None:
        self._scopes: dict[tuple[str, str | None], list[Terms]] = defaultdict(list)
        for merchant_id, product_id, pledge in terms:
            self._scopes[(merchant_id, product_id)].append(pledge)

    @classmethod
    def load(cls) -> PledgeBook:
        charity_of = dict(Project.objects.values_list("id", "charity_id"))

        def micros(moment: object) -> int:
            return (moment - EPOCH) // ONE_MICROSECOND  # type: ignore[operator, no-any-return]

        return cls(
            [
                (
                    p.merchant_id,
                    p.product_id,
                    Terms(
                        p.id,
                        p.project_id,
                        charity_of[p.project_id],
                        micros(p.valid_from),
                        None if p.valid_to is None else micros(p.valid_to),
                        p.basis_points,
                        p.amount_minor,
                        p.currency,
                        p.max_per_line_minor,
                    ),
                )
                for p in Pledge.objects.all()
            ]
        )

    def choose(self, merchant_id: str, product_id: str, currency: str, at_us: int) -> Terms | None:
        """The pledge in force: the product's own wins over a merchant-wide one."""
        for scope in ((merchant_id, product_id), (merchant_id, None)):
            for terms in self._scopes.get(scope, ()):
                in_force = terms.valid_from_us <= at_us and (
                    terms.valid_to_us is None or at_us < terms.valid_to_us
                )
                # A fixed pledge in another currency is passed over.
                if in_force and (terms.currency is None or terms.currency == currency):
                    return terms
        return None
