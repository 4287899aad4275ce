"""The shop's seeded data: a few products, their reviews, one demo customer, and the archive of
discontinued products that search scans for "did you mean" suggestions."""

from __future__ import annotations

import difflib
import random

PRODUCTS = [
    {"id": "p-100", "name": "Enamel mug", "price_cents": 1200, "stock": 40},
    {"id": "p-101", "name": "Linen apron", "price_cents": 3400, "stock": 12},
    {"id": "p-102", "name": "Cast-iron pan", "price_cents": 5900, "stock": 7},
    {"id": "p-103", "name": "Oak chopping board", "price_cents": 2800, "stock": 0},
    {"id": "p-104", "name": "Tea towel set", "price_cents": 1500, "stock": 90},
]
REVIEWS = {
    "p-100": [{"by": "Demo Customer", "stars": 5, "text": "Keeps tea hot."}],
    "p-102": [{"by": "Demo Customer", "stars": 4, "text": "Heavy, in a good way."}],
}
DEMO_CUSTOMER = {"email": "demo.customer@shop.example", "name": "Demo Customer", "password": "correct horse"}
DECLINED_CARD = "4000000000000002"  # the payment provider's test card that is always declined


def find(product_id: str) -> dict[str, object] | None:
    return next((p for p in PRODUCTS if p["id"] == product_id), None)


def search(text: str) -> list[dict[str, object]]:
    needle = text.lower().strip()
    return [p for p in PRODUCTS if needle and needle in str(p["name"]).lower()]


def _archive(n: int = 6000) -> list[str]:
    """Names of discontinued products (the shop's long tail), the same on every start."""
    words = ["oak", "linen", "enamel", "cast", "iron", "pan", "mug", "apron", "tea", "towel", "board", "bowl"]
    words += ["jug", "cup", "plate", "knife", "fork", "spoon", "tray", "vase", "glass", "copper", "wool", "clay"]
    rng = random.Random(2026)
    return [f"{rng.choice(words)} {rng.choice(words)} {rng.choice(words)} no. {i}" for i in range(n)]


ARCHIVE = _archive()


def suggestions(text: str) -> list[str]:
    """Close names among the discontinued products (a fuzzy scan of the whole archive)."""
    return difflib.get_close_matches(text.lower().strip(), ARCHIVE, n=3, cutoff=0.6) if text.strip() else []
