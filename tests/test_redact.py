import base64
import json
from urllib.parse import quote_plus

from harness.redact import Redactor


def test_every_encoding_of_a_secret_is_replaced() -> None:
    secret = 'p@ss word/"x"'
    r = Redactor()
    r.add(secret, "password")
    text = " | ".join([secret, json.dumps(secret), quote_plus(secret), base64.b64encode(secret.encode()).decode()])
    out = r.redact(text)
    assert "⟦password⟧" in out
    assert "ss word" not in out
    assert "cEBzcyB3b3Jk" not in out


def test_longer_secret_first() -> None:
    r = Redactor()
    r.add("abc", "short")
    r.add("abcdef", "long")
    assert r.redact("abcdef abc") == "⟦long⟧ ⟦short⟧"
