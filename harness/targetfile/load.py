"""Read a ``sentry-gate.toml``: parse, validate against the model, and report the first problem as one
line naming the file, the line and the key (a `UsageError`: exit 2).

``Described`` is a validated file plus where it lives, so the relative paths in it (working
directories, the journey's Python file) resolve against the file's folder wherever the run starts.
Path checks that need the disk (a working directory that is not there) happen here too, before any
process starts.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from harness.errors import UsageError
from harness.targetfile.locate import key_line
from harness.targetfile.model import TargetFile

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

__all__ = ["DEFAULT_NAME", "Described", "TargetFileError", "load_target_file", "parse_target_file"]

DEFAULT_NAME = "sentry-gate.toml"
_NAMED = re.compile(r"^([a-z_]+(?:\.[A-Za-z0-9_-]+)+) (.*)$")
_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)")


class TargetFileError(UsageError):
    """The target file is not usable; the message is one line: ``file:line: key: what is wrong``."""


@dataclass(frozen=True, slots=True)
class Described:
    """A validated target file and the folder its relative paths are relative to."""

    model: TargetFile
    path: Path
    """The file itself (absolute)."""

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def name(self) -> str:
        return self.model.name

    def resolve(self, relative: str) -> Path:
        """A path the file names, relative to the file's folder (absolute paths stay as they are)."""
        return (self.root / relative).resolve()

    def replace(self, model: TargetFile) -> Described:
        """The same file with a changed model (an override: a mutant, another environment's variables)."""
        return Described(model=model, path=self.path)


def _key(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")


def _message(error: ErrorDetails) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return "unknown key (a typo? see docs/target-file.md)"
    if error["type"] == "missing":
        return "missing (required)"
    if error["type"].endswith("_type") or error["type"] in {"literal_error", "int_from_float"}:
        return f"{message}, got {error['input']!r}"
    return message


def parse_target_file(text: str, source: Path) -> Described:
    """Validate ``text`` as the target file at ``source``; raise `TargetFileError` on the first problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = _TOML_AT.search(str(exc))
        bad_line = int(at.group(1)) if at else len(text.splitlines()) or 1  # else: "at end of document"
        raise TargetFileError(f"{source}:{bad_line}: not valid TOML: {exc}") from None
    try:
        model = TargetFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc: tuple[str | int, ...] = tuple(first["loc"])
        message = _message(first)
        if (named := _NAMED.match(message)) is not None:  # a cross-field rule names its own key
            loc = (*loc, *named.group(1).split("."))
            message = named.group(2)
        line = key_line(text, loc) if loc else None
        where = f"{source}:{line}" if line is not None else str(source)
        key = _key(loc) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise TargetFileError(f"{where}: {key}: {message}{more}") from None
    described = Described(model=model, path=source.resolve())
    _check_paths(described, text)
    return described


def _check_paths(described: Described, text: str) -> None:
    """Working directories and the journey's file must exist: say so now, not when a process fails."""
    model = described.model
    folders: list[tuple[tuple[str, ...], str]] = []
    if model.app.start is not None:
        folders.append((("app", "cwd"), model.app.cwd))
    if model.app.build is not None:
        folders.append((("app", "build", "cwd"), model.app.build.cwd))
    folders += [(("services", name, "cwd"), service.cwd) for name, service in model.services.items()]
    for loc, folder in folders:
        if not described.resolve(folder).is_dir():
            raise TargetFileError(f"{_where(described, text, loc)}: {_key(loc)}: no such folder {folder!r}")
    journey = model.journey
    if journey is not None and journey.function is not None:
        file = journey.function.rsplit(":", 1)[0]
        if not described.resolve(file).is_file():
            loc = ("journey", "function")
            raise TargetFileError(f"{_where(described, text, loc)}: journey.function: no such file {file!r}")


def _where(described: Described, text: str, loc: tuple[str, ...]) -> str:
    line = key_line(text, loc)
    return f"{described.path}:{line}" if line is not None else str(described.path)


def load_target_file(path: Path) -> Described:
    """Read and validate the target file at ``path`` (a folder means its ``sentry-gate.toml``)."""
    file = path / DEFAULT_NAME if path.is_dir() else path
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TargetFileError(f"{file}: no such file (sentry-gate init writes a starter file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetFileError(f"{file}: cannot be read: {exc}") from None
    return parse_target_file(text, file)
