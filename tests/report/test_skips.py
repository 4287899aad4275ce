"""Skipped tests are read from junit.xml with their reasons, grouped, and listed in the summary."""

from __future__ import annotations

from harness.report import RunInfo, render_summary
from harness.report.skips import SkippedTest, group_by_reason, skipped_tests

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="4" skipped="3">
  <testcase classname="harness.suites.production.test_production" name="test_kill_switch[python-api]" time="0.1">
    <skipped type="pytest.skip" message="needs a bundled target">harness/suites/conftest.py:1: needs a bundled
    target</skipped>
  </testcase>
  <testcase classname="harness.suites.production.test_production" name="test_filters[python-api]" time="0.1">
    <skipped type="pytest.skip" message="needs a bundled target">harness/suites/conftest.py:1: needs a bundled
    target</skipped>
  </testcase>
  <testcase classname="harness.suites.release.test_release" name="test_cli" time="0.1">
    <skipped type="pytest.skip" message="Skipped: no sentry-cli found">x</skipped>
  </testcase>
  <testcase classname="harness.suites.release.test_release" name="test_ran" time="0.1"/>
</testsuite></testsuites>
"""


def test_every_skip_is_read_with_its_reason() -> None:
    skips = skipped_tests(JUNIT)
    assert [s.reason for s in skips] == ["needs a bundled target", "needs a bundled target", "no sentry-cli found"]
    assert skips[2].test == "harness.suites.release.test_release::test_cli"


def test_a_broken_file_is_no_skips_not_a_crash() -> None:
    assert skipped_tests("<testsuites><testcase") == []


def test_the_most_common_reason_comes_first() -> None:
    groups = group_by_reason(skipped_tests(JUNIT))
    assert [(reason, len(tests)) for reason, tests in groups] == [
        ("needs a bundled target", 2),
        ("no sentry-cli found", 1),
    ]


def test_the_summary_lists_every_skipped_test() -> None:
    info = RunInfo(
        run_id="r",
        profile="pre-release",
        target="bundled:python-api",
        started_at="now",
        duration_s=1.0,
        ingest_url="http://127.0.0.1:1",
        skipped=[SkippedTest("a::t1", "needs x"), SkippedTest("a::t2", "needs | y")],
    )
    summary = render_summary(info, [])
    assert "## Skipped tests (2)" in summary
    assert "`a::t1`" in summary
    assert "`a::t2`" in summary
    assert "needs \\| y" in summary  # a table-breaking character is escaped
