import pytest

from harness.ingest.auth import Auth, AuthError, authorize, envelope_auth, parse_auth_header, parse_dsn, request_auth

KEYS = {1: frozenset({"k1"}), 2: frozenset({"k2"})}


def test_parse_auth_header() -> None:
    assert parse_auth_header("Sentry sentry_key=abc, sentry_version=7, sentry_client=x/1") == {
        "sentry_key": "abc",
        "sentry_version": "7",
        "sentry_client": "x/1",
    }


@pytest.mark.parametrize(
    ("headers", "query", "source"),
    [
        ({"x-sentry-auth": "Sentry sentry_key=k1, sentry_version=7"}, {}, "x-sentry-auth"),
        ({"authorization": "Sentry sentry_key=k1"}, {}, "authorization"),
        ({}, {"sentry_key": "k1", "sentry_version": "7"}, "query"),
        ({"authorization": "Bearer t"}, {"sentry_key": "k1"}, "query"),  # a bearer token is not Sentry auth
    ],
)
def test_single_source(headers: dict[str, str], query: dict[str, str], source: str) -> None:
    auth = request_auth(headers, query)
    assert auth is not None
    assert (auth.public_key, auth.source) == ("k1", source)


def test_two_sources_is_401() -> None:
    with pytest.raises(AuthError) as info:
        request_auth({"x-sentry-auth": "Sentry sentry_key=k1"}, {"sentry_key": "k1"})
    assert info.value.status == 401


def test_no_request_auth_falls_back_to_envelope_dsn() -> None:
    assert request_auth({}, {}) is None
    assert envelope_auth("http://k2@127.0.0.1:9/2") == Auth("k2", "envelope-dsn", project_from_dsn=2)
    with pytest.raises(AuthError) as info:
        envelope_auth(None)
    assert info.value.status == 401


def test_parse_dsn() -> None:
    assert parse_dsn("https://abc@o1.example/42") == ("abc", 42)
    assert parse_dsn("not a dsn") is None
    assert parse_dsn("http://127.0.0.1/4") is None


@pytest.mark.parametrize(("project", "key", "status"), [(3, "k1", 403), (1, "k2", 403)])
def test_unknown_project_or_key_is_403(project: int, key: str, status: int) -> None:
    with pytest.raises(AuthError) as info:
        authorize(Auth(key, "query"), project, KEYS)
    assert info.value.status == status


def test_declared_key_is_accepted_whatever_its_shape() -> None:
    authorize(Auth("k1", "query"), 1, KEYS)  # Relay wants 32 hex chars; we accept any declared key
