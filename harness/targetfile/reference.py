"""docs/target-file.md, generated from the target file's model, so the page cannot drift from the code.

`reference_markdown` walks `TargetFile` and every model it nests (pydantic's ``model_fields``: the
annotation, its constraints, the default and the description of each field) and renders one section per
table, each field with its type in TOML terms, whether it is required, its default and its description.
A model used in more than one place (``port``, ``ready`` and ``requires`` of the app and of a service) is
described once, under every header it can appear as. Pure: no I/O; ``python -m
harness.targetfile.reference > docs/target-file.md`` writes the page.
"""

from __future__ import annotations

import sys
import textwrap
import types
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from harness.targetfile.load import DEFAULT_NAME
from harness.targetfile.model import (
    CANARY_KINDS,
    RATE_NAMES,
    App,
    EnvironmentPromise,
    Expect,
    Journey,
    JourneyStep,
    Port,
    Readiness,
    Request,
    SentryVariables,
    Service,
    TargetFile,
    Traffic,
    Upstream,
)

__all__ = ["reference_markdown", "sections"]

_INTRO: Final = f"""\
# The target file: `{DEFAULT_NAME}`

<!-- Generated from harness/targetfile/model.py by `python -m harness.targetfile.reference >
docs/target-file.md`; tests/targetfile/test_reference.py fails when this page and the model differ.
Edit the model's field descriptions (or the generator's intro), not this page. -->

The target file describes your app to the gate: how to reach it (a URL where it already runs, or how to
build, start and stop it), the variables through which the gate's settings reach its Sentry SDKs, what it
promises in each environment, the requests and browser journey that drive it, and where sensitive data
enters it. It lives in your app's repository, usually at its root as `{DEFAULT_NAME}`:
`sentry-gate run` reads `./{DEFAULT_NAME}` when no `--target` is given, and `--target PATH` names a
file, or a folder holding one. Relative paths in it (working directories, the journey's Python file) are
relative to the file's folder, wherever the run starts. `sentry-gate init` writes a commented starter;
[own-deployment.md](own-deployment.md) walks through filling it in; the bundled apps' own files
(`targets/express_vue/{DEFAULT_NAME}`, `targets/python_api/{DEFAULT_NAME}`) are complete examples.

**Every field is optional except how to reach the app** (`name`, and `[app]` with either `url` or
`start`). A check that needs a field the file leaves out is skipped, and its skip reason names the field:
the report lists every skipped test with its reason, and a skip is never counted as a pass. Every table
rejects keys it does not know (a typo is an error naming the file, line and key, not a silently ignored
setting), and values are checked strictly (`"1"` is not a number).

## Placeholders

- `{{port}}`, in `start` and `env` of `[app]` and `[services.NAME]`: the free loopback port the gate
  picked for that process (not with `port.announce`, where the process picks its own port).
- `{{python}}`, in the same places: the Python interpreter the gate runs on, so a Python app or fake
  starts with the gate's own packages.
- `{{url}}`, in the values of `[upstreams.NAME] variables`: the upstream's base URL (its service's URL, or
  its `url`; a chaos check may put a fault proxy in between).
- `{{canary.KIND}}`, in a request's `path`, `query`, `headers`, `form` and `json`, and a journey step's
  `goto`, `fill` and `press`: a fresh marked value of that kind, new each run, which the privacy audit
  then searches for in everything the SDKs sent.

The canary kinds:
{", ".join(f"`{kind}`" for kind in CANARY_KINDS)}.
Any other `{{canary.…}}` is an error; other braces are left as written.

## Types

*string*, *number* (an integer or a decimal), *integer*, *boolean* (`true`/`false`), *list* (`[…]`) and
*table* (a `[header]` section, or inline: `{{ key = value }}`) are TOML's. "table of strings" is a table
whose keys you choose and whose values are strings (`env = {{ HOST = "127.0.0.1" }}`). A header with
`NAME` (`[services.NAME]`) is one table per name you choose; `[[…]]` is a list of tables (also written
inline: `requires = [{{ path = "…" }}]`). A field shown as "list of strings, or one string" may be written
as one string: a command string is run by `sh -c` (pipes, `&&`), a variable list of one name is that
name.
"""

_RULES: Final[dict[type[BaseModel], str]] = {
    TargetFile: "An environment's name (`[environments.NAME]`) is one Sentry accepts: 1 to 64 characters, no"
    " whitespace or slash.",
    App: "Give exactly one of `url` (the app runs already: URL mode, no restarts) and `start` (the gate starts"
    " it). With `start`, say how readiness shows (`ready.http`, `ready.log` or `port.announce`) and how the"
    " port reaches the app (`port.variable`, `port.announce` or `{port}` in `start`).",
    Port: "`announce` needs one group: the URL.",
    Readiness: "`http` starts with `/`; `log` is a regular expression.",
    Service: "Say how readiness shows: `ready.http`, `ready.log` or `port.announce`. Services start before the"
    " app and stop after it.",
    SentryVariables: "Variable names are environment variable names (letters, digits, `_`; not starting with a digit).",
    Expect: "`default_environment` is one of `[environments]`.",
    Request: "Give `json` or `form`, not both.",
    Traffic: "`sign_in.request` is one of `[traffic.requests]`.",
    Journey: "Give `function` or `steps`, not both; `function` is `path/to/file.py:name`, relative to the target file.",
    JourneyStep: "A step has exactly one of `goto`, `fill`, `click`, `wait_for`, `press`; `fill` and `press`"
    " take two strings.",
    Upstream: "Give exactly one of `service` and `url`.",
}
"""The rules between fields that the model's validators enforce (validators carry no description)."""


@dataclass
class Section:
    """One table of the file: the model that validates it and every header it can appear under."""

    model: type[BaseModel]
    headers: list[str] = field(default_factory=list)
    extra: list[tuple[str, str, str]] = field(default_factory=list)
    """Rows for tables whose keys are not fields (``[sentry.rates]``, ``[waive]``): key, type, description."""
    free: bool = False
    """A section for a table of free keys (``extra`` rows only, no model fields)."""
    links: dict[str, str] = field(default_factory=dict)
    """Fields whose free-keyed table has its own section: key → that section's header."""


def _header(path: tuple[str, ...], array: bool) -> str:
    if not path:
        return "Top level (before any table)"
    dotted = ".".join(path)
    return f"`[[{dotted}]]`" if array else f"`[{dotted}]`"


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` → (X, True); anything else → (itself, False)."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _unannotated(annotation: Any) -> tuple[Any, list[Any]]:
    """``Annotated[X, …]`` → (X, its constraints), looking inside a nested `FieldInfo`."""
    metadata: list[Any] = []
    while get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        for item in extra:
            metadata += item.metadata if isinstance(item, FieldInfo) else [item]
    return annotation, metadata


def _model_of(annotation: Any) -> tuple[type[BaseModel], str] | None:
    """The model a field nests and how: ``table`` (one), ``named`` (one per key), ``array`` (a list)."""
    annotation, _ = _unannotated(_strip_optional(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, "table"
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is dict and isinstance(args[1], type) and issubclass(args[1], BaseModel):
        return args[1], "named"
    if origin is list and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return args[0], "array"
    return None


def _child_path(path: tuple[str, ...], key: str, how: str) -> tuple[tuple[str, ...], bool]:
    return ((*path, key, "NAME"), False) if how == "named" else ((*path, key), how == "array")


def sections() -> list[Section]:
    """Every table of the file, in the order a reader meets them (depth first, in field order)."""
    found: dict[type[BaseModel], Section] = {}
    ordered: list[Section] = []

    def walk(model: type[BaseModel], path: tuple[str, ...], array: bool) -> None:
        header = _header(path, array)
        if model in found:
            found[model].headers.append(header)
            return
        section = Section(model, [header])
        found[model] = section
        ordered.append(section)
        for name, info in model.model_fields.items():
            key = info.alias or name
            nested = _model_of(info.annotation)
            if nested is not None:
                child, how = nested
                walk(child, *_child_path(path, key, how))
            elif (free := _free_table(model, key, path)) is not None:
                section.links[key] = free.headers[0]
                ordered.append(free)

    walk(TargetFile, (), False)
    return ordered


def _free_table(model: type[BaseModel], key: str, path: tuple[str, ...]) -> Section | None:
    """The tables whose keys are not fields but still a known kind: the rates' variables, the waivers."""
    if model is SentryVariables and key == "rates":
        rows = []
        for rate in RATE_NAMES:
            promise = EnvironmentPromise.model_fields[rate].description or rate
            rows.append((rate, "list of strings, or one string", f"the variables that set {promise}"))
        return Section(SentryVariables, [_header((*path, key), False)], rows, free=True)
    if model is TargetFile and key == "waive":
        description = TargetFile.model_fields["waive"].description or ""
        rows = [("CRITERION", "string", f"{description}; the reason is printed in the report")]
        return Section(TargetFile, [_header((*path, key), False)], rows, free=True)
    return None


def _constraints(metadata: list[Any]) -> str:
    parts: list[str] = []
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            parts.append(f"≥ {item.ge}")
        elif isinstance(item, annotated_types.Gt):
            parts.append(f"> {item.gt}")
        elif isinstance(item, annotated_types.Le):
            parts.append(f"≤ {item.le}")
        elif isinstance(item, annotated_types.Lt):
            parts.append(f"< {item.lt}")
    return f" ({', '.join(parts)})" if parts else ""


def _lengths(metadata: list[Any]) -> tuple[int | None, int | None]:
    low = next((m.min_length for m in metadata if isinstance(m, annotated_types.MinLen)), None)
    high = next((m.max_length for m in metadata if isinstance(m, annotated_types.MaxLen)), None)
    return low, high


_SCALARS: Final[dict[Any, tuple[str, str]]] = {
    str: ("string", "strings"),
    bool: ("boolean", "booleans"),
    int: ("integer", "integers"),
    float: ("number", "numbers"),
}


def _toml_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_literal(v) for v in value) + "]"
    return str(value)


def _plural(annotation: Any) -> str:
    """A list's or table's value type, in the plural."""
    annotation, metadata = _unannotated(annotation)
    if annotation in _SCALARS:
        return _SCALARS[annotation][1] + _constraints(metadata)
    if get_origin(annotation) is list:
        return f"lists of {_plural(get_args(annotation)[0])}"
    return "values"  # pragma: no cover - no such field today


def toml_type(info: FieldInfo, headers: dict[type[BaseModel], str], *, one_string: bool = False) -> str:
    """A field's type in TOML terms (``number (≥ 0.0, ≤ 1.0)``, ``list of strings``, ``table: see …``)."""
    annotation, metadata = _unannotated(_strip_optional(info.annotation)[0])
    metadata = [*metadata, *info.metadata]
    nested = _model_of(annotation)
    if nested is not None:
        model, how = nested
        kinds = {"table": "table", "named": "tables by name", "array": "list of tables"}
        return f"{kinds[how]}: see {headers[model]}"
    if annotation in _SCALARS:
        return _SCALARS[annotation][0] + _constraints(metadata)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        kind = "integer" if all(isinstance(v, int) for v in args) else "string"
        choices = ", ".join(map(_toml_literal, args))
        return f"{kind}: {choices}" if len(args) == 1 else f"{kind}: one of {choices}"
    low, high = _lengths(metadata)
    if origin is list:
        items = _plural(args[0])
        if low is not None and low == high:
            text = f"list of {low} {items}"
        elif low:
            text = f"list of {items} (at least {low})"
        else:
            text = f"list of {items}"
        return f"{text}, or one string" if one_string else text
    if origin is dict:
        text = f"table of {_plural(args[1])}" + (" (or one string each)" if one_string else "")
        return text + (f" (at least {low} key)" if low else "")
    if annotation is Any:
        return "any value (a table, list, string or number)"
    raise TypeError(f"no TOML rendering for {annotation!r}: teach harness/targetfile/reference.py")


def _accepts_one_string(model: type[BaseModel], name: str) -> bool:
    """A field with a ``mode="before"`` validator takes a string where a list is meant (commands, variables)."""
    decorators = model.__pydantic_decorators__.field_validators.values()
    return any(d.info.mode == "before" and name in d.info.fields for d in decorators)


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return ""
    value = info.get_default(call_default_factory=True, validated_data={})
    if isinstance(value, BaseModel):
        return "its fields' defaults"
    if value is None or value is PydanticUndefined:
        return "none"
    if value in ({}, []):
        return "empty"
    return f"`{_toml_literal(value)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _doc(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split()).replace("``", "`")


def reference_markdown() -> str:
    """The whole of docs/target-file.md."""
    found = sections()
    headers = {s.model: " / ".join(s.headers) for s in found if not s.free}
    out = [_INTRO.rstrip("\n")]
    for section in found:
        out += ["", f"## {' / '.join(section.headers)}", ""]
        if section.free:
            out += [
                "A table whose keys are these names (any subset):"
                if section.model is SentryVariables
                else "A table whose keys you choose:",
                "",
                "| key | type | description |",
                "|---|---|---|",
            ]
            out += [f"| `{key}` | {_cell(kind)} | {_cell(text)} |" for key, kind, text in section.extra]
            continue
        rules = _RULES.get(section.model)
        lead = _doc(section.model) + (f" {rules}" if rules else "")
        out += [
            textwrap.fill(lead, width=105, break_long_words=False, break_on_hyphens=False),
            "",
            "| key | type | required | default | description |",
            "|---|---|---|---|---|",
        ]
        for name, info in section.model.model_fields.items():
            key = info.alias or name
            kind = toml_type(info, headers, one_string=_accepts_one_string(section.model, name))
            if key in section.links:
                kind += f": see {section.links[key]}"
            required = "**yes**" if info.is_required() else "no"
            description = info.description or ""
            out.append(f"| `{key}` | {_cell(kind)} | {required} | {_cell(_default(info))} | {_cell(description)} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover - the page is regenerated by hand, and checked by a test
    sys.stdout.write(reference_markdown())
