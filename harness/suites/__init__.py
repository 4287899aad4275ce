"""The gate's pytest suites, one package per suite (``sentry-gate run`` hands the profile's folders to pytest).

They ship inside the ``harness`` package so an installed gate finds them without a source checkout;
nothing in ``harness`` imports them.
"""
