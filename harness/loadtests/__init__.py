"""Locust's file (``locustfile.py``), shipped with the package; ``harness.load.locust_proc`` hands its path to Locust.

Nothing may import ``harness.loadtests.locustfile``: Locust monkey-patches the standard library with gevent
on import. This ``__init__`` imports nothing.
"""
