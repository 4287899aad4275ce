"""One rule picks the bundled targets for every suite."""

from harness.settings import Settings
from harness.targets.launcher import BUNDLED_TARGETS
from harness.targets.selection import selected_targets


def test_the_run_s_bundled_target_narrows_the_suites() -> None:
    assert selected_targets(Settings(target="bundled:python-api")) == ["python-api"]


def test_without_a_bundled_target_every_one_runs() -> None:
    assert selected_targets(Settings()) == list(BUNDLED_TARGETS)
    assert selected_targets(Settings(target="https://staging.example.com")) == list(BUNDLED_TARGETS)


def test_an_explicit_list_wins() -> None:
    env = {"SENTRY_GATE_TARGET": "bundled:express-vue", "GATE_LOAD_TARGETS": " python-api , express-vue ,"}
    settings = Settings.from_environ(env)
    assert selected_targets(settings, settings.load.targets) == ["python-api", "express-vue"]
    assert selected_targets(settings) == ["express-vue"]
