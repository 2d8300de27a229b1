"""The simulated catalog: charities, projects, merchants and their pledges.

It is sized by the number of events so that a big run has a big marketplace,
and it is valid per spec section 2: pledges of one merchant and one product
scope (``product_id`` null being its own scope) never overlap in time.
Besides the JSON document it returns the shops and their products, which the
event generator sells from (products exist only as ids in events and pledges).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from dermawan.simulation import names
from dermawan.simulation.money import from_rupiah, small_amount
from dermawan.simulation.timeline import DAY, HOUR, Stamps

Record = dict[str, str | int | bool | None]
Window = tuple[int, int | None]

MAX_CHARITIES = 300
MAX_MERCHANTS = 5000

BASIS_POINTS = (100, 150, 200, 250, 300, 500, 500, 750, 1000, 1000, 1500, 2000)
FIXED_PER_ITEM_RUPIAH = (200, 500, 500, 1000, 1000, 2000, 2500, 5000)
CAP_RUPIAH = (5_000, 10_000, 25_000, 50_000, 100_000)
GOAL_RUPIAH = (50_000_000, 100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 5_000_000_000)
FOREIGN = ("SGD", "MYR", "USD", "CNY", "JPY")
EXPORT = ("SGD", "MYR", "USD")


@dataclass(frozen=True, eq=False)  # identity is equality: each product is made once
class Product:
    id: str
    currency: str
    price_minor: int


@dataclass
class Shop:
    id: str
    currency: str
    products: list[Product]
    weight: float


@dataclass
class Catalog:
    charities: list[Record] = field(default_factory=list)
    projects: list[Record] = field(default_factory=list)
    merchants: list[Record] = field(default_factory=list)
    pledges: list[Record] = field(default_factory=list)
    shops: list[Shop] = field(default_factory=list)

    def document(self) -> dict[str, list[Record]]:
        """Exactly the shape ``dermawan load-catalog`` takes."""
        return {
            "charities": self.charities,
            "projects": self.projects,
            "merchants": self.merchants,
            "pledges": self.pledges,
        }


def sizes(events: int) -> tuple[int, int]:
    """(charities, merchants) for a run of ``events`` events."""
    charities = min(MAX_CHARITIES, max(5, events // 200_000))
    merchants = min(MAX_MERCHANTS, max(20, events // 2000))
    return charities, merchants


def _square(x: float) -> float:
    return x * x


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Ids:
    """Unique slugs: a repeated name gets -2, -3, ... in order of appearance."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, name: str) -> str:
        base = slug(name)
        count = self._seen.get(base, 0) + 1
        self._seen[base] = count
        return base if count == 1 else f"{base}-{count}"


def build_catalog(events: int, seed: int, start: int, seconds: int) -> Catalog:
    """The catalog of a run; ``start``/``seconds`` is the simulated window (epoch s)."""
    rng = random.Random(f"dermawan-catalog:{seed}")
    catalog = Catalog()
    charity_count, merchant_count = sizes(events)
    _charities_and_projects(rng, catalog, charity_count)
    _merchants(rng, catalog, merchant_count)
    _pledges(rng, catalog, start, start + seconds)
    return catalog


def _charities_and_projects(rng: random.Random, catalog: Catalog, count: int) -> None:
    charity_ids, project_ids = _Ids(), _Ids()
    regions = [code for code, _, _ in names.REGIONS]
    region_names = {code: name for code, name, _ in names.REGIONS}
    region_weights = [weight for _, _, weight in names.REGIONS]
    for _ in range(count):
        name = " ".join(
            rng.choice(words)
            for words in (
                names.CHARITY_FORMS,
                names.CHARITY_FIRST,
                names.CHARITY_SECOND,
                names.CHARITY_THIRD,
            )
        )
        charity_id = charity_ids(name)
        catalog.charities.append(
            {"id": charity_id, "name": name, "country": "ID", "verified": rng.random() < 0.9}
        )
        # A charity works on one or two themes, in a home province or two.
        themes = rng.sample(names.CATEGORIES, 2)
        homes = rng.choices(regions, region_weights, k=2)
        for _ in range(rng.randint(2, 4)):
            category = themes[0] if rng.random() < 0.7 else themes[1]
            region = homes[0] if rng.random() < 0.7 else homes[1]
            title = rng.choice(names.PROJECT_TEMPLATES[category]).format(
                region=region_names[region]
            )
            # Diaspora funds collect abroad in their own currency.
            currency = "IDR" if rng.random() < 0.92 else rng.choice(EXPORT)
            catalog.projects.append(
                {
                    "id": project_ids(title),
                    "charity_id": charity_id,
                    "name": title,
                    "category": category,
                    "region": region,
                    "currency": currency,
                    "goal_minor": small_amount(rng.choice(GOAL_RUPIAH), currency),
                    "status": "active",
                }
            )


def _merchants(rng: random.Random, catalog: Catalog, count: int) -> None:
    merchant_ids = _Ids()
    kinds = sorted(names.SHOP_KINDS)
    # Zipf-like popularity on a shuffled order: a few shops sell much more.
    # (Only +, * and / on floats, which IEEE 754 rounds the same everywhere:
    # no pow() whose last bit may differ between C libraries.)
    ranks = list(range(count))
    rng.shuffle(ranks)
    for number in range(count):
        if rng.random() < 0.05:
            currency = rng.choice(FOREIGN)
            name = rng.choice(names.FOREIGN_SHOPS[currency])
        else:
            currency = "IDR"
            name = " ".join(
                rng.choice(words)
                for words in (names.MERCHANT_FORMS, names.MERCHANT_FIRST, names.MERCHANT_SECOND)
            )
        merchant_id = merchant_ids(name)
        catalog.merchants.append({"id": merchant_id, "name": name})
        listing = names.SHOP_KINDS[rng.choice(kinds)]
        chosen = rng.sample(listing, rng.randint(min(3, len(listing)), len(listing)))
        products = [
            Product(f"{product_slug}-{number}", currency, from_rupiah(rupiah, currency))
            for product_slug, rupiah in chosen
        ]
        if currency == "IDR" and rng.random() < 0.1:
            # One product also listed for export, priced in a foreign currency.
            product_slug, rupiah = chosen[0]
            export = rng.choice(EXPORT)
            products.append(
                Product(
                    f"{product_slug}-{number}-{export.lower()}", export, from_rupiah(rupiah, export)
                )
            )
        weight = 1.0 / (ranks[number] + 5)
        catalog.shops.append(Shop(merchant_id, currency, products, weight))


def _windows(rng: random.Random, start: int, end: int) -> list[Window]:
    """Successive validity windows of one merchant and scope; they never overlap.

    Half-open [valid_from, valid_to): a replacement may start exactly when its
    predecessor ends.
    """
    hours_in_run = max(2, (end - start) // HOUR)

    def inside() -> int:
        return start + rng.randrange(1, hours_in_run) * HOUR

    def days_before(low: int, high: int) -> int:
        return start - rng.randint(low, high) * DAY

    shape = rng.random()
    if shape < 0.50:  # open-ended, started before the run
        return [(days_before(10, 200), None)]
    if shape < 0.65:  # fixed term covering the run
        return [(days_before(10, 120), end + rng.randint(1, 60) * DAY)]
    if shape < 0.80:  # ends during the run, replaced at once or after a gap
        change = inside()
        gap = 0 if rng.random() < 0.6 else rng.randint(1, 24) * HOUR
        return [(days_before(10, 200), change), (change + gap, None)]
    if shape < 0.90:  # ended before the run, replaced by today's terms
        change = days_before(1, 30)
        return [(change - rng.randint(30, 200) * DAY, change), (change, None)]
    return [(inside(), None)]  # starts during the run


def _pledges(rng: random.Random, catalog: Catalog, start: int, end: int) -> None:
    stamps = Stamps()
    projects = [str(project["id"]) for project in catalog.projects]
    popularity = [_square(rng.random()) for _ in projects]
    by_currency: dict[str, list[str]] = {}
    for project in catalog.projects:
        by_currency.setdefault(str(project["currency"]), []).append(str(project["id"]))

    def stamp(moment: int) -> str:
        return stamps.wib(moment) if rng.random() < 0.3 else stamps.utc(moment)

    def add(shop: Shop, product_id: str | None, currency: str) -> None:
        for valid_from, valid_to in _windows(rng, start, end):
            local = by_currency.get(currency)
            if currency != "IDR" and local and rng.random() < 0.5:
                project = rng.choice(local)
            else:
                project = rng.choices(projects, popularity)[0]
            pledge: Record = {
                "id": f"pl-{len(catalog.pledges) + 1}",
                "merchant_id": shop.id,
                "product_id": product_id,
                "project_id": project,
            }
            if rng.random() < 0.7:
                pledge["kind"] = "percent"
                pledge["basis_points"] = rng.choice(BASIS_POINTS)
                if rng.random() < 0.25:
                    pledge["max_per_line_minor"] = small_amount(rng.choice(CAP_RUPIAH), currency)
            else:
                amount = small_amount(rng.choice(FIXED_PER_ITEM_RUPIAH), currency)
                pledge["kind"] = "fixed"
                pledge["amount_minor"] = amount
                pledge["currency"] = currency
                if rng.random() < 0.3:
                    pledge["max_per_line_minor"] = amount * rng.randint(3, 10)
            pledge["valid_from"] = stamp(valid_from)
            pledge["valid_to"] = None if valid_to is None else stamp(valid_to)
            catalog.pledges.append(pledge)

    for shop in catalog.shops:
        plan = rng.random()
        if plan < 0.08:
            continue  # this shop pledges nothing
        wide = plan < 0.70
        if wide:
            add(shop, None, shop.currency)
        if not wide or rng.random() < 0.35:
            for product in rng.sample(shop.products, min(len(shop.products), rng.randint(1, 3))):
                add(shop, product.id, product.currency)
