"""The site's colour pairs meet WCAG 2.1 AA contrast for text (4.5:1), read from site.css."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "src/dermawan/site/static/site/site.css"
# (text, background) as the stylesheet uses them.
PAIRS = [
    ("--ink", "--paper"),
    ("--muted", "--paper"),
    ("--muted", "--wash"),
    ("--ink", "--wash"),  # tags, filters
    ("--link", "--paper"),
    ("#ffffff", "--brand"),  # header, buttons
    ("--brand", "--paper"),  # secondary buttons
    ("--ink", "--brand-soft"),  # hero, impact unit
    ("--link", "--brand-soft"),
    ("--warn", "--warn-soft"),
    ("--bad", "--bad-soft"),
    ("--good", "#e3f4e8"),  # the "good" tag
]


def colours() -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", CSS.read_text()))


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ratio(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_colours_meet_aa_contrast(text: str, background: str) -> None:
    known = colours()
    pair = (known.get(text, text), known.get(background, background))
    assert ratio(*pair) >= 4.5, f"{text} on {background}: {ratio(*pair):.2f}:1"


def test_the_contrast_formula_matches_wcag_examples() -> None:
    assert round(ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(ratio("#777777", "#ffffff"), 2) == 4.48
