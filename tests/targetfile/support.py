"""Target files the target-file tests share: the smallest valid one and one that sets every table."""

from __future__ import annotations

MINIMAL = """\
name = "shop"
[app]
url = "http://127.0.0.1:8000"
"""

FULL = """\
version = 1
name = "shop-api"

[app]
start = "exec ./serve --port {port}"
cwd = "."
env = { HOST = "127.0.0.1" }
port = { variable = "PORT", host = "127.0.0.1" }
ready = { http = "/health", log = "listening", timeout_s = 20 }
stop_signal = "SIGINT"
stop_timeout_s = 5
requires = [{ path = "serve", hint = "make build" }]

[app.build]
command = ["make", "build"]
cwd = "."
env = { CI = "1" }
timeout_s = 120

[services.fake-api]
start = ["{python}", "-m", "fake_api", "--port", "0"]
port = { announce = 'ready (http://\\S+)' }
stop_signal = "SIGHUP"

[upstreams.payments]
service = "fake-api"
variables = { PAYMENTS_URL = "{url}/v2" }

[upstreams.search]
url = "http://127.0.0.1:9200"
variables = { SEARCH_URL = "{url}" }

[sentry]
server_dsn = "SENTRY_DSN"
browser_dsn = ["PUBLIC_SENTRY_DSN", "VITE_SENTRY_DSN"]
browser_dsn_at = "build"
environment = "APP_ENV"
release = "APP_VERSION"
off = { SENTRY_ENABLED = "0" }

[sentry.rates]
traces_sample_rate = "TRACES_RATE"
replays_session_sample_rate = ["REPLAY_RATE"]

[environments.production]
traces_sample_rate = 0.1
profiles_sample_rate = 0
max_breadcrumbs = 50

[environments.development]
sends = false
enable_env = { SENTRY_ENABLED = "1" }
traces_sample_rate = 1.0

[expect]
alpha = 0.01
default_environment = "production"
tolerance = { server = 0.05 }

[traffic]
think_time_s = [0.5, 1.5]
sign_in = { request = "login", take_json = "token" }

[traffic.requests.login]
method = "POST"
path = "/login"
json = { email = "{canary.email}", password = "{canary.password}" }

[traffic.requests.search]
path = "/search"
query = { q = "{canary.text}" }
headers = { X-Trace = "{canary.marker}" }
weight = 3
status = [200, 404]

[traffic.requests.boom]
method = "POST"
path = "/boom"
form = { card = "{canary.card}" }
kind = "error"

[[journey.steps]]
goto = "/"
[[journey.steps]]
fill = ["#email", "{canary.email}"]
[[journey.steps]]
click = "button[type=submit]"

[data]
secrets = ["STRIPE_KEY"]
fixed = { seeded_email = "alice@example.test" }

[gate_routes]
token_variable = "GATE_TOKEN"
page_hook = true

[waive]
replay-masking = "the app has no browser client"
"""
