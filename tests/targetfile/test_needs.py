"""harness.targetfile.needs: a check needing a field the file leaves out is skipped with the field named."""

from __future__ import annotations

from harness.targetfile import TargetFile
from harness.targetfile.needs import missing_reason

BUNDLED = ("express-vue", "python-api")


def model(name: str = "shop", **tables: object) -> TargetFile:
    return TargetFile.model_validate({"name": name, "app": {"url": "http://127.0.0.1:1"}, **tables})


def test_a_declared_field_is_not_missing() -> None:
    routes = {"gate_routes": {"token_variable": "T", "page_hook": True}}
    assert missing_reason(model(**routes), ("gate_routes", "gate_routes.page_hook"), BUNDLED) is None
    assert (
        missing_reason(model(services={"db": {"start": ["x"], "ready": {"log": "up"}}}), ("services.db",), BUNDLED)
        is None
    )


def test_a_missing_field_is_named() -> None:
    why = missing_reason(model(), ("gate_routes", "journey"), BUNDLED)
    assert why == "needs [gate_routes], [journey] in the target file of 'shop', which does not declare it"
    false = missing_reason(model(gate_routes={"token_variable": "T"}), ("gate_routes.page_hook",), BUNDLED)
    assert false is not None
    assert "gate_routes.page_hook" in false
    assert "services.db" in (missing_reason(model(), ("services.db",), BUNDLED) or "")


def test_bundled_only_checks_say_so_on_any_other_app() -> None:
    assert missing_reason(model("express-vue"), ("bundled",), BUNDLED) is None
    why = missing_reason(model("shop"), ("bundled", "gate_routes"), BUNDLED)
    assert why is not None
    assert why.startswith("runs only on the bundled reference apps today")
