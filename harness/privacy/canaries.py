"""Canaries: unique fake secrets the gate plants where user data enters the app.

A canary is recognisable (every value carries the run's random core, so a hit is ours and never a
coincidence) and typed, so it passes the validators a real app applies (Luhn for cards, mod-97 for
IBANs, a parseable JWT, a valid IP) and the scrubbers that look for those shapes get a fair chance.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
from dataclasses import dataclass, field

KINDS = (
    "token", "email", "card", "jwt", "bearer", "spotify_token", "oauth_code", "oauth_state",
    "password", "iban", "ip", "name",
)  # fmt: skip

_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class Canary:
    kind: str
    value: str
    label: str
    """What reports show instead of the value, e.g. ``⟦password#3⟧``."""


def luhn_check_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def iban_check_digits(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def iban_valid(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class CanaryFactory:
    """Makes canaries that share one random run core and differ by a counter and a random tail."""

    core: str = field(default_factory=lambda: "".join(secrets.choice(string.ascii_lowercase) for _ in range(6)))
    made: list[Canary] = field(default_factory=list)

    def _rand(self, n: int, alphabet: str = _ALNUM) -> str:
        return "".join(secrets.choice(alphabet) for _ in range(n))

    def make(self, kind: str) -> Canary:
        if kind not in KINDS:
            raise ValueError(f"unknown canary kind {kind!r}; known: {', '.join(KINDS)}")
        tag = f"{self.core}{len(self.made):03d}"
        value = getattr(self, f"_{kind}")(tag)
        canary = Canary(kind=kind, value=value, label=f"{kind}#{len(self.made)}")
        self.made.append(canary)
        return canary

    def _token(self, tag: str) -> str:
        return f"gatetok_{tag}{self._rand(12)}"

    def _email(self, tag: str) -> str:
        return f"gate.{tag}{self._rand(6, string.ascii_lowercase + string.digits)}@example.org"

    def _card(self, tag: str) -> str:
        body = "4000" + self._rand(11, string.digits)
        return body + luhn_check_digit(body)

    def _jwt(self, tag: str) -> str:
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64url(json.dumps({"sub": f"gate-{tag}", "jti": self._rand(16)}).encode())
        return f"{header}.{payload}.{_b64url(secrets.token_bytes(32))}"

    def _bearer(self, tag: str) -> str:
        return f"gatebearer{tag}{self._rand(24)}"

    def _spotify_token(self, tag: str) -> str:
        return f"BQ{tag}{self._rand(40, _ALNUM + '-_')}"

    def _oauth_code(self, tag: str) -> str:
        return f"AQ{tag}{self._rand(30, _ALNUM + '-_')}"

    def _oauth_state(self, tag: str) -> str:
        return f"st{tag}{self._rand(14)}"

    def _password(self, tag: str) -> str:
        return f"Pw!{tag}{self._rand(10)}#"

    def _iban(self, tag: str) -> str:
        bban = "GATE" + self._rand(14, string.digits)
        return "GB" + iban_check_digits("GB", bban) + bban

    def _ip(self, tag: str) -> str:
        # 198.18.0.0/15 is reserved for benchmarking: never a real client, so a hit is ours.
        return f"198.{secrets.choice((18, 19))}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"

    def _name(self, tag: str) -> str:
        return f"Gatelyn {tag.capitalize()}"
