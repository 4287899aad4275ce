"""How a proxy and its toxics are described: directions, toxic specs, addresses, and their text forms.

Pure values and parsers, shared by the Python API, the CLI and the fixtures. A toxic spec follows
Toxiproxy's JSON: ``name``, ``type``, ``stream`` (``upstream`` is client → server, ``downstream``
server → client; the default is downstream), ``toxicity`` (the share of connections it applies to,
default 1.0) and ``attributes``. The text form is ``TYPE[:KEY=VALUE,...]`` where the keys are the
toxic's attributes plus ``stream``, ``toxicity`` and ``name``, e.g.
``latency:latency=200,jitter=50,stream=upstream,toxicity=0.5``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.chaos.toxics import Toxic, make_toxic, toxic_attributes

__all__ = ["Address", "Direction", "ToxicSpec", "parse_address", "parse_toxic_spec"]


class Direction(enum.StrEnum):
    UPSTREAM = "upstream"
    """Client → upstream server (requests)."""
    DOWNSTREAM = "downstream"
    """Upstream server → client (responses)."""


@dataclass(frozen=True, slots=True)
class Address:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_address(value: str | tuple[str, int] | Address, *, what: str = "address") -> Address:
    """``"127.0.0.1:8080"``, ``"[::1]:8080"``, ``"http://127.0.0.1:8080/path"`` or ``(host, port)`` → `Address`."""
    if isinstance(value, Address):
        return value
    if isinstance(value, tuple):
        host, port = value
        return _checked(host, port, what, repr(value))
    text = value.strip()
    if "://" in text:
        text = text.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":") if sep else ""
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep:
            host, port_text = text, ""
    if not port_text.isdigit():
        raise ValueError(f"{what} {value!r} is not HOST:PORT")
    return _checked(host, int(port_text), what, repr(value))


def _checked(host: str, port: int, what: str, shown: str) -> Address:
    if not host or not 0 <= port <= 65535:
        raise ValueError(f"{what} {shown} is not HOST:PORT")
    return Address(host, port)


@dataclass(frozen=True, slots=True)
class ToxicSpec:
    """One toxic on one proxy, as Toxiproxy's API shows it."""

    type: str
    attributes: Mapping[str, int] = field(default_factory=dict)
    stream: Direction = Direction.DOWNSTREAM
    toxicity: float = 1.0
    name: str = ""
    """Defaults to ``{type}_{stream}``, as in Toxiproxy."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "stream", Direction(self.stream))
        if not (isinstance(self.toxicity, int | float) and math.isfinite(self.toxicity)) or not (
            0.0 <= self.toxicity <= 1.0
        ):
            raise ValueError(f"toxicity must be between 0 and 1, not {self.toxicity!r}")
        toxic = make_toxic(self.type, self.attributes)  # validates type and attributes
        object.__setattr__(self, "attributes", toxic_attributes(toxic))
        if not self.name:
            object.__setattr__(self, "name", f"{self.type}_{self.stream.value}")

    def build(self) -> Toxic:
        return make_toxic(self.type, self.attributes)

    def updated(self, *, toxicity: float | None = None, attributes: Mapping[str, int] | None = None) -> ToxicSpec:
        """This spec with a new toxicity and/or some attributes changed (the others kept, as Toxiproxy does)."""
        merged = {**self.attributes, **(attributes or {})}
        return ToxicSpec(
            type=self.type,
            attributes=merged,
            stream=self.stream,
            toxicity=self.toxicity if toxicity is None else toxicity,
            name=self.name,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "stream": self.stream.value,
            "toxicity": self.toxicity,
            "attributes": dict(self.attributes),
        }

    def __str__(self) -> str:
        attrs = ",".join(f"{k}={v}" for k, v in self.attributes.items())
        return f"{self.name} {self.type}:{attrs} stream={self.stream.value} toxicity={self.toxicity:g}"


def parse_toxic_spec(text: str) -> ToxicSpec:
    """``latency:latency=200,jitter=50,stream=upstream,toxicity=0.5,name=slow`` → `ToxicSpec`."""
    kind, _, rest = text.strip().partition(":")
    if not kind:
        raise ValueError(f"toxic {text!r} does not start with a type, e.g. latency:latency=200")
    attributes: dict[str, int] = {}
    options: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ValueError(f"toxic {text!r}: {part!r} is not KEY=VALUE")
        if key in ("stream", "toxicity", "name"):
            options[key] = value
            continue
        try:
            attributes[key] = int(value)
        except ValueError:
            raise ValueError(f"toxic {text!r}: {key} must be a whole number, not {value!r}") from None
    try:
        stream = Direction(options.get("stream", Direction.DOWNSTREAM.value))
    except ValueError:
        raise ValueError(f"toxic {text!r}: stream must be upstream or downstream") from None
    try:
        toxicity = float(options.get("toxicity", "1"))
    except ValueError:
        raise ValueError(f"toxic {text!r}: toxicity must be a number between 0 and 1") from None
    return ToxicSpec(type=kind, attributes=attributes, stream=stream, toxicity=toxicity, name=options.get("name", ""))
