"""harness.targetfile.locate: which line of a TOML text sets a key (tomllib keeps no positions)."""

from __future__ import annotations

import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.targetfile.locate import key_line, key_paths

from .support import FULL

TEXT = """\
# a comment = not a key
name = "shop"

[app]
start = ["serve", "{port}"]
ready = { http = "/health", timeout_s = 5 }
port.variable = "PORT"

[ services . "fake-api" ]   # spaces and a quoted part
start = 'fake'

[[journey.steps]]
goto = "/"
[[journey.steps]]
click = "a"

[environments."eu prod"]
sends = true
"""


def test_key_paths_follow_headers_dotted_keys_and_inline_tables() -> None:
    found = key_paths(TEXT)
    assert (("name",), 2) in found
    assert (("app",), 4) in found
    assert (("app", "ready"), 6) in found
    assert (("app", "ready", "http"), 6) in found
    assert (("app", "ready", "timeout_s"), 6) in found
    assert (("app", "port", "variable"), 7) in found
    assert (("services", "fake-api"), 9) in found
    assert (("services", "fake-api", "start"), 10) in found
    assert (("journey", "steps", "click"), 15) in found
    assert (("environments", "eu prod"), 17) in found
    assert not any(path[0].startswith("#") or path == ("a comment",) for path, _ in found)


def test_key_line_finds_the_line_that_sets_a_key() -> None:
    assert key_line(TEXT, ("name",)) == 2
    assert key_line(TEXT, ("app", "start")) == 5
    assert key_line(TEXT, ("app", "ready", "timeout_s")) == 6  # inside a one-line inline table
    assert key_line(TEXT, ("app", "port", "variable")) == 7  # a dotted key
    assert key_line(TEXT, ("services", "fake-api", "start")) == 10
    assert key_line(TEXT, ("journey", "steps", 1, "click")) == 15  # list indices ignored


def test_a_missing_key_points_at_its_deepest_spelled_out_parent() -> None:
    assert key_line(TEXT, ("app", "stop_signal")) == 4  # the [app] header
    assert key_line(TEXT, ("app", "ready", "log")) == 6  # the inline table it would go in
    assert key_line(TEXT, ("services", "fake-api", "port", "announce")) == 9
    assert key_line(TEXT, ("environments", "eu prod", "traces_sample_rate")) == 17


def test_a_table_spelled_only_through_its_keys_points_at_the_first() -> None:
    assert key_line(TEXT, ("environments",)) == 17
    assert key_line(TEXT, ("services",)) == 9
    assert key_line('name = "x"\napp.url = "http://h"\napp.cwd = "."\n', ("app",)) == 2
    assert key_line("[a.b]\nx = 1\n[a]\ny = 2\n", ("a",)) == 3  # an exact header wins over an earlier child


def test_nothing_found_is_none() -> None:
    assert key_line(TEXT, ("waive",)) is None
    assert key_line(TEXT, ()) is None
    assert key_line("", ("app",)) is None


def test_every_key_of_a_full_file_is_found_on_a_line_that_names_it() -> None:
    lines = FULL.splitlines()

    def walk(table: dict[str, object], prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
        paths = []
        for key, value in table.items():
            paths.append((*prefix, key))
            if isinstance(value, dict):
                paths += walk(value, (*prefix, key))
        return paths

    for path in walk(tomllib.loads(FULL), ()):
        line = key_line(FULL, path)
        assert line is not None, path
        assert path[-1] in lines[line - 1] or path[-1].replace("_", "-") in lines[line - 1], (path, line)


KEY_PART = st.one_of(st.text(max_size=12), st.sampled_from(["app", "ready", "http", "services", "x"]))
TOMLISH = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(["[app]", "[[a.b]]", "[a", 'x = { y = 1, "z" = 2 }', "a.b . c = 1", "= 1", "[ 'q' ]"]),
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(), TOMLISH),
    path=st.lists(st.one_of(KEY_PART, st.integers(min_value=0, max_value=5)), max_size=5).map(tuple),
)
def test_key_line_never_raises_and_stays_within_the_text(text: str, path: tuple[str | int, ...]) -> None:
    line = key_line(text, path)
    assert line is None or 1 <= line <= len(text.splitlines())
