"""The starter ``sentry-gate.toml`` that ``sentry-gate init`` writes: every table, commented.

It is valid as written (tests/cli/test_init.py loads it), so ``sentry-gate validate`` answers at once
and the user edits from a working file: the app is started by the gate (``start`` active, the ``url``
alternative commented), the usual Sentry variables are named, two environments promise example rates,
and one request drives the app. Every optional table is present but commented out, with one line on
what it is for. Pure data.
"""

from __future__ import annotations

from typing import Final

__all__ = ["STARTER"]

STARTER: Final = """\
# sentry-gate.toml: describes your app to sentry-gate. Only `name` and how to reach the app ([app]) are
# required; a check that needs a field you leave out is skipped, and its reason names the field.
# Every field: docs/target-file.md in the sentry-gate repository. Then: sentry-gate validate.
version = 1
name = "my-app"                    # lower case, digits, . _ -: how reports and test ids name the app

[app]
# Either the gate starts your app (all checks can run, including restarts with other settings) ...
start = ["npm", "start"]           # a list of arguments, or one string run by sh -c
cwd = "."                          # relative to this file
env = { HOST = "127.0.0.1" }       # extra variables; {port} and {python} are filled in
port = { variable = "PORT" }       # the gate picks a free loopback port and passes it in PORT
ready = { http = "/", timeout_s = 30 }   # ready once GET / answers 2xx
stop_signal = "SIGTERM"
# ... or it already runs at a URL the gate cannot restart (fewer checks; then comment out start above):
# url = "http://127.0.0.1:3000"
# requires = [{ path = "node_modules", hint = "run npm ci first" }]   # what must exist before start

# A build run once per run before the app starts (make it incremental: it runs every time).
# [app.build]
# command = ["npm", "run", "build"]
# timeout_s = 900

# A process started beside the app, e.g. a fake of an API it calls, so nothing leaves the machine.
# [services.fake-api]
# start = ["{python}", "-m", "my_fakes.api", "--port", "{port}"]
# ready = { http = "/health" }

# A service the app calls, by the variables that hold its base URL ({url}: the service's URL).
# [upstreams.api]
# service = "fake-api"
# variables = { API_URL = "{url}/v1" }

[sentry]
# The variables your app reads its Sentry settings from: the gate sets them to its own fake Sentry.
server_dsn = "SENTRY_DSN"
environment = "SENTRY_ENVIRONMENT"
release = "SENTRY_RELEASE"
# browser_dsn = "SENTRY_DSN_BROWSER"   # the page's DSN, if your pages use a browser SDK
# browser_dsn_at = "build"             # if your build bakes the page's DSN in (default: "start")
# off = { SENTRY_ENABLED = "false" }   # how Sentry is switched off (default: the DSNs left unset)

# The variables that set each sample rate, if your app reads its rates from the environment.
# [sentry.rates]
# traces_sample_rate = "SENTRY_TRACES_SAMPLE_RATE"
# profiles_sample_rate = "SENTRY_PROFILES_SAMPLE_RATE"

# What your app promises in each environment, by its own names for them: replace these example values
# with your app's real settings (the rate checks measure them with intervals).
[environments.production]
sends = true
traces_sample_rate = 0.1
profiles_sample_rate = 0.1
max_breadcrumbs = 50

[environments.staging]
sends = true
traces_sample_rate = 0.5
profiles_sample_rate = 0.5
max_breadcrumbs = 100

# A development environment that sends only when a variable opts in.
# [environments.development]
# sends = false
# enable_env = { SENTRY_ENABLED = "true" }

# How strictly the rate checks decide (these are the defaults).
# [expect]
# alpha = 0.05
# default_environment = "production"   # the one a run checks when --environment is not given
# [expect.tolerance]
# server = 0.02
# browser = 0.1
# replay = 0.3

# The requests that drive your app. {canary.KIND} plants a fresh value the privacy audit looks for.
[traffic.requests.home]
path = "/"

# A request that makes your app report an error to Sentry.
# [traffic.requests.boom]
# path = "/debug-sentry"
# kind = "error"

# A sign-in whose cookies (or token) later requests carry.
# [traffic.requests.login]
# method = "POST"
# path = "/api/login"
# json = { email = "{canary.email}", password = "{canary.password}" }
# [traffic.sign_in]
# request = "login"
# take_json = "token"                  # sent as "Authorization: Bearer <token>"

# A browser journey (needs a page with a browser SDK): simple steps, or a Python function of yours.
# [journey]
# steps = [{ goto = "/" }, { fill = ["#search", "{canary.text}"] }, { press = ["#search", "Enter"] }]
# function = "gate/journey.py:journey"   # instead of steps: called with a Playwright page

# Where sensitive data enters the app: the privacy audit plants canaries there and searches for them.
# [data]
# secrets = ["DATABASE_PASSWORD"]      # variables holding secrets, started with canary values
# fixed = { seeded_user = "jane@example.com" }   # sensitive values you already know

# Test routes your app may implement, enabled by a token, for the fault and flush checks.
# [gate_routes]
# token_variable = "GATE_FAULT_TOKEN"

# A criterion no check can cover on your app, with the reason the report prints.
# [waive]
# overhead = "the load profile runs on the staging cluster, not here"
"""
