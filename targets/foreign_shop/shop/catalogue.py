"""The shop's seeded data: a few products, their reviews, and one demo customer."""

from __future__ import annotations

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
