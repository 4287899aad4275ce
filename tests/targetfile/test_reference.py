"""docs/target-file.md is generated from the target file's model: the committed page is exactly what the
generator writes (so it cannot drift from the model), and every field of every model is on it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from pydantic import BaseModel

from harness.targetfile import model as model_module
from harness.targetfile.reference import reference_markdown, sections

PAGE = Path(__file__).resolve().parents[2] / "docs" / "target-file.md"


def test_the_committed_page_is_the_generated_one() -> None:
    assert PAGE.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/target-file.md differs from the model: run"
        " `.venv/bin/python -m harness.targetfile.reference > docs/target-file.md` and commit it"
    )


def _page_sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_every_field_of_every_model_has_a_row_in_its_section() -> None:
    page = _page_sections(reference_markdown())
    for section in sections():
        heading = " / ".join(section.headers)
        assert heading in page, heading
        body = page[heading]
        if section.free:  # a table of free keys: its rows are the keys it takes
            for key, _, _ in section.extra:
                assert f"| `{key}` |" in body, f"{heading}: no row for {key}"
            continue
        for name, info in section.model.model_fields.items():
            row = re.search(rf"^\| `{re.escape(info.alias or name)}` \| ([^|]+) \| (\*\*yes\*\*|no) \|", body, re.M)
            assert row is not None, f"{heading}: no row for {name}"
            assert "typing" not in row.group(1), row.group(0)  # a Python type leaked into the page
            assert "<class" not in row.group(1), row.group(0)
            assert info.description, f"{section.model.__name__}.{name} has no description"
            assert info.description in body.replace("\\|", "|"), f"{heading}: {name}'s description"


def test_every_model_of_the_file_is_reached() -> None:
    tables = {
        cls
        for _, cls in inspect.getmembers(model_module, inspect.isclass)
        if issubclass(cls, BaseModel) and cls.__module__ == model_module.__name__ and not cls.__name__.startswith("_")
    }
    reached = {s.model for s in sections() if not s.free}
    assert tables == reached


def test_the_tables_a_reader_looks_for_each_have_a_section() -> None:
    headings = set(_page_sections(reference_markdown()))
    text = " ".join(headings)
    for table in (
        "[app]",
        "[app.port]",
        "[app.ready]",
        "[app.build]",
        "[services.NAME]",
        "[sentry]",
        "[sentry.rates]",
        "[environments.NAME]",
        "[expect]",
        "[expect.tolerance]",
        "[traffic]",
        "[traffic.requests.NAME]",
        "[traffic.sign_in]",
        "[journey]",
        "[[journey.steps]]",
        "[data]",
        "[upstreams.NAME]",
        "[gate_routes]",
        "[waive]",
    ):
        assert f"`{table}`" in text, table


def test_the_intro_names_the_placeholders_and_every_canary_kind() -> None:
    page = reference_markdown()
    for placeholder in ("{port}", "{python}", "{url}", "{canary.KIND}"):
        assert f"`{placeholder}`" in page
    for kind in model_module.CANARY_KINDS:
        assert f"`{kind}`" in page
    assert "](" not in page.replace("](own-deployment.md)", "")  # links stay inside docs/
