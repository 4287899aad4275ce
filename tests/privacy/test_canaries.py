import base64
import ipaddress
import json

import pytest

from harness.privacy import KINDS, CanaryFactory
from harness.privacy.canaries import iban_valid, luhn_valid


def test_every_kind_is_unique_and_carries_its_label() -> None:
    factory = CanaryFactory()
    made = [factory.make(kind) for kind in KINDS for _ in range(3)]
    assert len({c.value for c in made}) == len(made)
    assert {c.label for c in made} == {f"{c.kind}#{i}" for i, c in enumerate(made)}


def test_typed_canaries_pass_their_validators() -> None:
    f = CanaryFactory()
    assert luhn_valid(f.make("card").value)
    assert iban_valid(f.make("iban").value)
    ip = ipaddress.ip_address(f.make("ip").value)
    assert ip in ipaddress.ip_network("198.18.0.0/15")
    header, payload, _ = f.make("jwt").value.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "HS256", "typ": "JWT"}
    assert json.loads(base64.urlsafe_b64decode(payload + "=="))["sub"].startswith("gate-")
    assert "@" in f.make("email").value


def test_known_check_digits() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert iban_valid("GB82WEST12345698765432")


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown canary kind"):
        CanaryFactory().make("ssn")
