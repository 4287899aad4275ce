"""The shop's routes: the page, a product API, search, sign-in, checkout, and monitoring endpoints.

Monitoring follows the shop's observability plan: ``/healthz`` (liveness, the deployed release and
environment), ``/metrics`` (Prometheus text) and ``/status/sentry`` (whether Sentry runs, the last event it
sent, whether its transport is backing off), none of them traced.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from pathlib import Path
from typing import Any

import sentry_sdk
from flask import Flask, Response, abort, jsonify, request

from shop import __version__, catalogue
from shop.settings import Settings
from shop.telemetry import config, page_settings, sentry_state

log = logging.getLogger("shop")
HERE = Path(__file__).parent
STARTED = time.monotonic()


class PaymentDeclined(RuntimeError):
    """The payment provider refused the card."""


def charge(card: str, amount_cents: int) -> str:
    if card.replace(" ", "") == catalogue.DECLINED_CARD:
        raise PaymentDeclined(f"card declined for {amount_cents} cents")
    return "ch_" + secrets.token_hex(6)


def create_app(settings: Settings) -> Flask:
    app = Flask(__name__, static_folder=str(HERE / "static"), static_url_path="/static")
    page = (HERE / "page.html").read_text()
    counters = {"requests": 0, "checkouts": 0, "declined": 0}
    sessions: dict[str, str] = {}
    # Read once, like any setting: whether Sentry was set up when the app was made.
    app.config["SENTRY_ENABLED"] = sentry_state()["enabled"]

    @app.before_request
    def count() -> None:
        counters["requests"] += 1
        # Each request's id (logs and Sentry events carry it), and who is shopping.
        sentry_sdk.set_tag("request_id", request.headers.get("X-Request-Id") or secrets.token_hex(8))
        signed_in = request.cookies.get("shop_session") in sessions
        customer: Any = "signed-in" if signed_in else "anonymous"
        sentry_sdk.set_context("customer", customer if config().customer_context_as_text else {"kind": customer})

    def status() -> dict[str, Any]:
        state = {**sentry_state(), "enabled": app.config["SENTRY_ENABLED"]}
        if config().last_event_from_scope:  # the SDK's own answer: the last event of *this* request's scope
            state["last_event_id"] = sentry_sdk.last_event_id()
        return state

    def render_page() -> Response:
        public = json.dumps(page_settings(settings)).replace("<", "\\u003c")
        return Response(page.replace("{{settings}}", public), mimetype="text/html")

    @app.get("/")
    def home() -> Response:
        return render_page()

    @app.get("/products/<product_id>")
    def product_page(product_id: str) -> Response:
        return render_page()

    @app.get("/api/products")
    def products() -> Any:
        return jsonify(catalogue.PRODUCTS)

    @app.get("/api/products/<product_id>")
    def product(product_id: str) -> Any:
        found = catalogue.find(product_id)
        if found is None:
            abort(404)
        return jsonify({**found, "reviews": catalogue.REVIEWS.get(product_id, [])})

    @app.get("/api/search")
    def search() -> Any:
        text = request.args.get("q", "")
        response = jsonify(catalogue.search(text))
        # "did you mean": close names among the discontinued products (a fuzzy scan, tens of milliseconds)
        response.headers["X-Shop-Suggestions"] = str(len(catalogue.suggestions(text)))
        return response

    @app.post("/api/login")
    def login() -> Any:
        email = request.form.get("email", "")
        if not email or not request.form.get("password"):
            return jsonify({"error": "email and password required"}), 400
        token = secrets.token_urlsafe(16)
        sessions[token] = email
        response = jsonify({"signed_in": True})
        response.set_cookie("shop_session", token, httponly=True, samesite="Lax")
        return response

    @app.post("/api/checkout")
    def checkout() -> Any:
        body = request.get_json(silent=True) or {}
        items = body.get("items") or []
        total = 0
        for item in items:
            found = catalogue.find(str(item.get("id")))
            quantity = int(item.get("quantity", 1))
            for unit in range(quantity):  # the warehouse reserves unit by unit, one log line each
                log.info("reserving %s (%d of %d)", item.get("id"), unit + 1, quantity)
            if found is not None:
                total += int(str(found["price_cents"])) * quantity
        counters["checkouts"] += 1
        if not config().report_payment_errors:
            try:
                charge_id = charge(str(body.get("card", "")), total)
            except PaymentDeclined as exc:
                counters["declined"] += 1
                log.warning("checkout failed: %s", exc)
                return jsonify({"error": "payment declined"}), 402
        else:
            charge_id = charge(str(body.get("card", "")), total)  # PaymentDeclined: a 500 Sentry reports
        return jsonify({"order": "o-" + secrets.token_hex(4), "charge": charge_id, "total_cents": total})

    @app.get("/api/reports/daily")
    def daily_report() -> Any:
        by_day: dict[str, int] = {}
        log.info("building the daily report")
        return jsonify({"today": by_day["today"]})  # a bug: always a KeyError (the shop's known failure)

    @app.get("/healthz")
    def healthz() -> Any:
        version = settings.release if config().health_reports_release else __version__
        return jsonify(
            {
                "status": "ok",
                "version": version,
                "environment": settings.env,
                "uptime_s": round(time.monotonic() - STARTED, 1),
            }
        )

    @app.get("/metrics")
    def metrics() -> Response:
        state = status()
        lines = [f"shop_{name}_total {value}" for name, value in counters.items()]
        lines.append(f"shop_sentry_enabled {int(state['enabled'])}")
        lines.append(f"shop_sentry_events_total {state['events']}")
        return Response("\n".join(lines) + "\n", mimetype="text/plain")

    @app.get("/status/sentry")
    def sentry_status() -> Any:
        state = status()
        return jsonify(
            {
                "enabled": state["enabled"],
                "environment": settings.env,
                "release": settings.release,
                "last_event_id": state["last_event_id"],
                "degraded": state["degraded"],
            }
        )

    return app
