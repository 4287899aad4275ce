"""Load testing for the performance gate: Locust (in its own processes) in interleaved A/B blocks.

Server side: ``plan`` (the ABBA block timetable), ``locust_proc`` (runs ``harness/loadtests/locustfile.py``
locally or as master + workers), ``records`` (block files and throw-out rules), ``rig`` (targets,
ingest and fake Spotify on their cores), ``runner`` (capacity and fixed-rate measurements),
``verdict`` (the two checks), ``attribution``, ``report`` (CSVs and plot), ``compare`` (all of it)
(``sentry-gate load`` is `harness.cli.load_cmd`). Browser side: ``browser`` and ``browser_stats``.
Nothing in this package imports Locust: it monkey-patches the interpreter with gevent.
"""
