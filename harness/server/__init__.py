"""The fake Sentry as one process: the ingest, its control API and the web API in one ASGI app.

`harness.ingest` and `harness.webapi` know nothing of each other; this package is the one place that
puts them together (`app`: the ingest's routes in front, the control API under ``/_gate``, the web
API under ``/api/0``) and runs the result under uvicorn (`serve`). ``sentry-gate ingest serve`` calls
`serve`; `harness.ingest.start_ingest` starts that command as its own process.
"""

from harness.server.app import build_app
from harness.server.serve import ServeOptions, parse_project_spec, serve

__all__ = ["ServeOptions", "build_app", "parse_project_spec", "serve"]
