"""What the public pages show on demo data: permits, photos, impact units, reports, a campaign.

The simulated catalog (dermawan simulate) has only names and numbers; this
adds, deterministically, what a charity would have entered: a permit per
charity (one lapsed, so the rule shows), verification documents, an impact
unit and a generated photo per project, progress reports with photos and
beneficiary counts, featured projects and the 11.11 campaign. Photos are
drawn with Pillow (a gradient, a motif and the category), so no image
is downloaded. Running it again changes nothing.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from dermawan.catalog.models import (
    Campaign,
    Charity,
    CharityDocument,
    CharityPermit,
    Project,
    ProjectPhoto,
)
from dermawan.core.money import CURRENCY_EXPONENTS
from dermawan.donations.models import ProjectTotals
from dermawan.impact.models import ProgressReport, ReportPhoto
from dermawan.site import labels

# minor units (IDR has 2 decimals), then the unit's name in id, en, zh-hans
UNITS: dict[str, tuple[int, str, str, str]] = {
    "children": (300_000, "makan siang sekolah", "school lunch", "份学校午餐"),
    "education": (2_500_000, "paket alat tulis", "set of school supplies", "套学习用品"),
    "health": (5_000_000, "pemeriksaan kesehatan", "health check-up", "次健康检查"),
    "disaster": (15_000_000, "paket sembako", "food parcel", "份食品包"),
    "environment": (1_000_000, "bibit pohon", "tree seedling", "棵树苗"),
    "elderly": (2_000_000, "makanan hangat", "warm meal", "份热餐"),
    "animals": (1_500_000, "vaksin hewan", "animal vaccine", "支动物疫苗"),
}
COLOURS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "children": ((255, 183, 77), (229, 115, 115)),
    "education": ((100, 181, 246), (57, 73, 171)),
    "health": ((129, 199, 132), (0, 121, 107)),
    "disaster": ((255, 138, 101), (121, 85, 72)),
    "environment": ((174, 213, 129), (46, 125, 50)),
    "elderly": ((206, 147, 216), (94, 53, 177)),
    "animals": ((255, 213, 79), (141, 110, 99)),
}
REPORTS = (
    (
        "Penyaluran tahap pertama",
        "Bantuan tahap pertama telah kami salurkan bersama relawan "
        "setempat. Terima kasih kepada para pembeli dan penjual yang ikut berdonasi.",
    ),
    (
        "Laporan kegiatan bulan ini",
        "Kegiatan berjalan sesuai rencana. Kami mencatat setiap "
        "penerima manfaat dan membagikan foto kegiatan di lapangan.",
    ),
    (
        "Kabar dari lapangan",
        "Tim kami mengunjungi lokasi program dan bertemu para penerima "
        "manfaat. Dana yang terkumpul digunakan sesuai tujuan proyek.",
    ),
)
DESCRIPTION = (
    "Proyek {name} dijalankan oleh {charity} di {region}. Setiap donasi dari "
    "pembelian produk mitra dicatat secara terbuka dan dapat diperiksa siapa saja."
)
CAMPAIGN = (
    "harbolnas-1111",
    "Harbolnas 11.11 · Pekan Filantropi",
    date(2026, 11, 10),
    date(2026, 11, 12),
)
CAMPAIGN_TEXT = (
    "Belanja di Hari Belanja Online Nasional, dan sebagian dari setiap pembelian "
    "disalurkan ke proyek-proyek sosial pilihan."
)


# Roughly how many rupiah one unit of each currency buys, for demo unit prices only.
RUPIAH_PER_UNIT = {"IDR": 1, "SGD": 12_000, "MYR": 3_500, "USD": 16_000, "CNY": 2_200, "JPY": 105}


def unit_price(rupiah_minor: int, currency: str) -> int:
    """A demo unit price in ``currency`` minor units, rounded to a whole amount."""
    rate = RUPIAH_PER_UNIT.get(currency, 1)
    whole: int = max(1, round(rupiah_minor / 100 / rate))
    return whole * int(10 ** CURRENCY_EXPONENTS.get(currency, 2))


def picture(seed: str, category: str, label: str, size: tuple[int, int] = (640, 360)) -> bytes:
    """A PNG: a two-colour gradient with soft circles and a label; same seed, same bytes."""
    rng = random.Random(seed)
    top, bottom = COLOURS.get(category, ((144, 164, 174), (55, 71, 79)))
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    for _ in range(6):
        r = rng.randint(30, 110)
        x, y = rng.randint(0, width), rng.randint(0, height)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=(255, 255, 255), width=3)
    font = ImageFont.load_default(size=30)
    draw.rectangle([0, height - 56, width, height], fill=(0, 0, 0))
    draw.text((20, height - 46), label[:40], fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    image.quantize(colors=64).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _permits(charities: Sequence[Charity], on: date) -> int:
    made = 0
    # The charity with the fewest projects has a lapsed permit, so the rule shows.
    lapsed = min(charities, key=lambda c: (c.n_projects, c.id)) if len(charities) > 1 else None  # type: ignore[attr-defined]
    for n, charity in enumerate(charities):
        expires = (
            on - timedelta(days=20) if charity == lapsed else on + timedelta(days=200 + n * 30)
        )
        _, created = CharityPermit.objects.get_or_create(
            charity=charity,
            number=f"{400 + n}/HUK-PUB/{on.year}",
            defaults={
                "issuer": "Kementerian Sosial RI",
                "issued_on": expires - timedelta(days=365),
                "expires_on": expires,
            },
        )
        made += created
        if not charity.description:
            charity.description = (
                f"{charity.name} adalah lembaga sosial yang menjalankan program di berbagai "
                "daerah di Indonesia."
            )
            charity.save(update_fields=["description"])
        if charity.verified and charity.verified_at is None:
            charity.verified_at = timezone.now() - timedelta(days=90 + n)
            charity.save(update_fields=["verified_at"])
        if not charity.documents.exists():
            CharityDocument.objects.create(
                charity=charity,
                title="Akta pendirian",
                file=ContentFile(
                    picture(charity.id, "", "Akta pendirian", (320, 180)),
                    name=f"{charity.id}-akta.png",
                ),
            )
    return made


def _projects(projects: list[Project], featured: set[str]) -> int:
    photos = 0
    for project in projects:
        unit = UNITS.get(project.category)
        if unit and project.impact_unit_minor is None:
            project.impact_unit_minor = unit_price(unit[0], project.currency)
            project.impact_unit_id, project.impact_unit_en, project.impact_unit_zh_hans = unit[1:]
        project.description = project.description or DESCRIPTION.format(
            name=project.name, charity=project.charity.name, region=labels.region(project.region)
        )
        project.featured = project.id in featured
        project.save()
        if not project.photos.exists():
            ProjectPhoto.objects.create(
                project=project,
                caption=project.name,
                image=ContentFile(
                    picture(project.id, project.category, project.name), name=f"{project.id}.png"
                ),
            )
            photos += 1
    return photos


def _reports(projects: list[Project], on: date) -> int:
    made = 0
    for rank, project in enumerate(projects):
        if project.reports.exists():
            continue
        rng = random.Random(f"reports:{project.id}")
        for n, (title, body) in enumerate(REPORTS[: 1 + rank % 3]):
            report = ProgressReport.objects.create(
                project=project,
                title=title,
                body=body,
                beneficiaries=rng.randint(20, 400),
                published_at=timezone.now() - timedelta(days=3 + 9 * n + rank),
            )
            for k in range(1 + (rank + n) % 2):
                ReportPhoto.objects.create(
                    report=report,
                    caption=f"{title} ({k + 1})",
                    image=ContentFile(
                        picture(f"{project.id}:{n}:{k}", project.category, title, (480, 270)),
                        name=f"{project.id}-report-{n}-{k}.png",
                    ),
                )
            made += 1
    return made


def add_demo_content(on: date | None = None) -> dict[str, Any]:
    on = on or timezone.localdate()
    charities = list(Charity.objects.annotate(n_projects=Count("projects")).order_by("id"))
    projects = list(Project.objects.select_related("charity").order_by("id"))
    busiest = list(
        ProjectTotals.objects.order_by("-donations", "project_id").values_list(
            "project_id", flat=True
        )[:3]
    )
    with transaction.atomic():
        permits = _permits(charities, on)
        photos = _projects(projects, set(busiest) or {p.id for p in projects[:3]})
        reports = _reports(projects, on)
        campaign_id, name, starts, ends = CAMPAIGN
        Campaign.objects.update_or_create(
            id=campaign_id,
            defaults={
                "name": name,
                "starts_on": starts,
                "ends_on": ends,
                "description": CAMPAIGN_TEXT,
            },
        )
    return {
        "permits": permits,
        "project_photos": photos,
        "reports": reports,
        "featured": len(busiest),
    }
