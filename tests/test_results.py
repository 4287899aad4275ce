import pytest

from harness import CheckResult, MaskedLocation, Verdict, mask_secret
from harness.results import overall_verdict


def test_mask_never_shows_more_than_a_quarter() -> None:
    secret = "sk_live_0123456789abcdef"
    preview = mask_secret(secret)
    assert secret not in preview
    assert preview.startswith("sk…")
    assert "len 24" in preview
    assert mask_secret("short") == "⟨masked, len 5⟩"


def test_location_stores_no_value() -> None:
    loc = MaskedLocation.of("request 3 / event / $.request.headers.Cookie", "canary:cookie", "session=abcdef123456")
    assert "abcdef123456" not in repr(loc.as_dict())
    assert loc.length == 20


def test_check_ids_are_dotted() -> None:
    CheckResult("privacy.replay.input-masking", Verdict.PASS, "ok")
    with pytest.raises(ValueError, match="dotted"):
        CheckResult("NoDots", Verdict.PASS, "bad")


@pytest.mark.parametrize(
    ("verdicts", "overall"),
    [
        ([], Verdict.SKIPPED),
        ([Verdict.PASS, Verdict.SKIPPED], Verdict.PASS),
        ([Verdict.PASS, Verdict.INCONCLUSIVE], Verdict.INCONCLUSIVE),
        ([Verdict.INCONCLUSIVE, Verdict.FAIL, Verdict.PASS], Verdict.FAIL),
    ],
)
def test_overall_verdict(verdicts: list[Verdict], overall: Verdict) -> None:
    results = [CheckResult(f"x.c{i}", v, "") for i, v in enumerate(verdicts)]
    assert overall_verdict(results) is overall


def test_result_serialises() -> None:
    r = CheckResult("production.sampling.traces", Verdict.FAIL, "rate 0.31 > 0.1", {"n": 400, "ci": [0.27, 0.36]})
    assert r.as_dict()["evidence"] == {"n": 400, "ci": [0.27, 0.36]}
