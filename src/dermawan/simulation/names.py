"""Word lists for realistic Indonesian charities, projects, merchants and products.

Only data lives here; ``catalog.py`` combines it with a seeded generator.
Every list is a tuple so its order (and so every generated file) is fixed.
"""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = (
    "children",
    "education",
    "health",
    "disaster",
    "environment",
    "elderly",
    "animals",
)

# ISO 3166-2:ID provinces with a rough weight (population share, in millions)
# so that Java gets most projects, as it does in practice.
REGIONS: tuple[tuple[str, str, int], ...] = (
    ("ID-JB", "Jawa Barat", 49),
    ("ID-JI", "Jawa Timur", 41),
    ("ID-JT", "Jawa Tengah", 37),
    ("ID-SU", "Sumatera Utara", 15),
    ("ID-BT", "Banten", 12),
    ("ID-JK", "DKI Jakarta", 11),
    ("ID-SN", "Sulawesi Selatan", 9),
    ("ID-LA", "Lampung", 9),
    ("ID-SS", "Sumatera Selatan", 9),
    ("ID-RI", "Riau", 7),
    ("ID-SB", "Sumatera Barat", 6),
    ("ID-NB", "Nusa Tenggara Barat", 5),
    ("ID-NT", "Nusa Tenggara Timur", 5),
    ("ID-AC", "Aceh", 5),
    ("ID-KB", "Kalimantan Barat", 5),
    ("ID-BA", "Bali", 4),
    ("ID-KS", "Kalimantan Selatan", 4),
    ("ID-KI", "Kalimantan Timur", 4),
    ("ID-YO", "DI Yogyakarta", 4),
    ("ID-JA", "Jambi", 4),
    ("ID-PA", "Papua", 4),
    ("ID-ST", "Sulawesi Tengah", 3),
    ("ID-KT", "Kalimantan Tengah", 3),
    ("ID-SG", "Sulawesi Tenggara", 3),
    ("ID-SA", "Sulawesi Utara", 3),
    ("ID-KR", "Kepulauan Riau", 2),
    ("ID-BE", "Bengkulu", 2),
    ("ID-MA", "Maluku", 2),
    ("ID-BB", "Kepulauan Bangka Belitung", 2),
    ("ID-SR", "Sulawesi Barat", 1),
    ("ID-GO", "Gorontalo", 1),
    ("ID-MU", "Maluku Utara", 1),
    ("ID-PB", "Papua Barat", 1),
    ("ID-KU", "Kalimantan Utara", 1),
)

CHARITY_FORMS: tuple[str, ...] = (
    "Yayasan",
    "Yayasan",
    "Yayasan",
    "Lembaga",
    "Perkumpulan",
    "Komunitas",
)
CHARITY_FIRST: tuple[str, ...] = (
    "Pangan",
    "Peduli",
    "Cahaya",
    "Harapan",
    "Kasih",
    "Pelita",
    "Sahabat",
    "Rumah",
    "Lentera",
    "Senyum",
    "Tunas",
    "Sinar",
    "Berbagi",
    "Gerakan",
    "Jembatan",
)
CHARITY_SECOND: tuple[str, ...] = (
    "Anak",
    "Bangsa",
    "Ibu",
    "Lansia",
    "Satwa",
    "Bumi",
    "Desa",
    "Pelajar",
    "Nelayan",
    "Petani",
    "Sehat",
    "Hijau",
)
CHARITY_THIRD: tuple[str, ...] = (
    "Nusantara",
    "Indonesia",
    "Sejahtera",
    "Mandiri",
    "Lestari",
    "Madani",
    "Bersatu",
    "Pertiwi",
)

# Project names by category; "{region}" is the province name.
PROJECT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "children": (
        "Makan Siang Gratis untuk Anak Desa {region}",
        "Susu dan Gizi Balita {region}",
        "Seragam dan Sepatu Sekolah Anak {region}",
        "Rumah Singgah Anak Jalanan {region}",
    ),
    "education": (
        "Beasiswa Pelajar Berprestasi {region}",
        "Perpustakaan Keliling {region}",
        "Laptop untuk Sekolah Pelosok {region}",
        "Renovasi Ruang Kelas SD {region}",
    ),
    "health": (
        "Posyandu Keliling {region}",
        "Operasi Katarak Gratis {region}",
        "Ambulans Desa {region}",
        "Cegah Stunting {region}",
    ),
    "disaster": (
        "Tanggap Darurat Banjir {region}",
        "Pemulihan Pascagempa {region}",
        "Hunian Sementara Korban Erupsi {region}",
        "Dapur Umum Pengungsi {region}",
    ),
    "environment": (
        "Penanaman Mangrove Pesisir {region}",
        "Bank Sampah Kampung {region}",
        "Air Bersih untuk Desa {region}",
        "Panel Surya Sekolah {region}",
    ),
    "elderly": (
        "Pendampingan Lansia Sebatang Kara {region}",
        "Paket Sembako Lansia {region}",
        "Kacamata Gratis Lansia {region}",
    ),
    "animals": (
        "Klinik Satwa Liar {region}",
        "Shelter Kucing dan Anjing {region}",
        "Konservasi Penyu {region}",
    ),
}

MERCHANT_FORMS: tuple[str, ...] = (
    "Toko",
    "Toko",
    "Toko",
    "UD",
    "CV",
    "Warung",
    "Grosir",
    "Kios",
    "Galeri",
    "Sentra",
)
MERCHANT_FIRST: tuple[str, ...] = (
    "Tani",
    "Berkah",
    "Sumber",
    "Maju",
    "Jaya",
    "Sinar",
    "Karya",
    "Mitra",
    "Rejeki",
    "Cahaya",
    "Bunda",
    "Sahabat",
    "Dapur",
    "Mutiara",
    "Putra",
    "Sri",
)
MERCHANT_SECOND: tuple[str, ...] = (
    "Makmur",
    "Sejahtera",
    "Abadi",
    "Barokah",
    "Lestari",
    "Sentosa",
    "Mandiri",
    "Utama",
    "Jaya",
    "Nusantara",
    "Bersama",
    "Agung",
)

# A product: id slug, price in whole rupiah. Names appear nowhere in the
# catalog or events (only ids do), so the slug carries the realism.
Product = tuple[str, int]

SHOP_KINDS: dict[str, tuple[Product, ...]] = {
    "sembako": (
        ("beras-pandan-wangi-5kg", 75_000),
        ("beras-rojolele-10kg", 142_000),
        ("minyak-goreng-2l", 38_000),
        ("gula-pasir-1kg", 18_000),
        ("telur-ayam-kampung-10-butir", 30_000),
        ("tepung-terigu-1kg", 13_500),
        ("kecap-manis-600ml", 22_000),
        ("mi-instan-goreng-isi-40", 115_000),
        ("sambal-bawang-200g", 25_000),
        ("garam-beryodium-500g", 5_000),
    ),
    "hasil-tani": (
        ("cabai-rawit-merah-1kg", 60_000),
        ("bawang-merah-brebes-1kg", 40_000),
        ("jeruk-pontianak-2kg", 55_000),
        ("salak-pondoh-1kg", 22_000),
        ("kopi-arabika-gayo-250g", 85_000),
        ("kopi-toraja-sapan-250g", 95_000),
        ("madu-hutan-sumbawa-500ml", 120_000),
        ("vanili-kering-100g", 150_000),
        ("teh-hijau-kayu-aro-100g", 35_000),
        ("gula-aren-cair-1l", 45_000),
    ),
    "fashion": (
        ("kemeja-batik-pria", 185_000),
        ("batik-tulis-solo-2m", 450_000),
        ("kaos-polos-katun", 45_000),
        ("sarung-tenun-samarinda", 250_000),
        ("hijab-voal-motif", 65_000),
        ("gamis-katun-rayon", 159_000),
        ("sandal-kulit-pria", 120_000),
        ("tas-anyaman-rotan", 175_000),
    ),
    "elektronik": (
        ("kipas-angin-berdiri-16-inci", 275_000),
        ("rice-cooker-1-8l", 350_000),
        ("powerbank-10000mah", 150_000),
        ("earphone-bluetooth", 120_000),
        ("lampu-led-12w", 25_000),
        ("setrika-listrik", 180_000),
        ("smartphone-128gb", 2_499_000),
        ("blender-2-tabung", 325_000),
    ),
    "ibu-bayi": (
        ("popok-bayi-m-isi-50", 95_000),
        ("susu-formula-800g", 210_000),
        ("minyak-telon-100ml", 28_000),
        ("tisu-basah-bayi-isi-60", 18_000),
        ("gendongan-bayi", 135_000),
    ),
    "rumah-tangga": (
        ("deterjen-bubuk-1-8kg", 40_000),
        ("sabun-cuci-piring-780ml", 15_000),
        ("sapu-ijuk", 30_000),
        ("ember-plastik-20l", 35_000),
        ("panci-presto-8l", 290_000),
        ("rak-piring-stainless", 165_000),
    ),
    "kriya": (
        ("tenun-ikat-ntt", 650_000),
        ("gerabah-kasongan", 85_000),
        ("wayang-kulit-hiasan", 300_000),
        ("ukiran-jepara-mini", 225_000),
        ("anyaman-pandan-tikar", 95_000),
    ),
    "kecantikan": (
        ("sabun-sereh-organik", 20_000),
        ("lulur-bali-200g", 45_000),
        ("minyak-kayu-putih-60ml", 25_000),
        ("jamu-kunyit-asam-6-botol", 48_000),
        ("masker-bengkuang", 32_000),
    ),
    "buku": (
        ("buku-tulis-58-lembar-10-pcs", 32_000),
        ("buku-cerita-anak-bergambar", 55_000),
        ("kamus-bahasa-inggris", 85_000),
        ("novel-sastra-indonesia", 98_000),
        ("atlas-indonesia", 75_000),
    ),
}

# Cross-border shops, named in their own market's style, selling in their currency.
FOREIGN_SHOPS: dict[str, tuple[str, ...]] = {
    "SGD": ("Kopi Tiam Supplies", "Lion City Home", "Merlion Gadget Hub"),
    "MYR": ("Kedai Runcit Melaka", "Batik Kelantan Gallery", "Penang Spice House"),
    "USD": ("Pacific Outdoor Co", "Liberty Tech Store"),
    "CNY": ("Yiwu Home Supply", "Shenzhen Smart Parts"),
    "JPY": ("Tokyo Daily Goods", "Osaka Kitchen Ware"),
}
