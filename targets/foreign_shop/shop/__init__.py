"""A small shop: Flask + sentry-sdk on the server, @sentry/browser with Replay on its one page."""

__version__ = "1.4.0"  # the package's version (a deploy is named by SHOP_RELEASE)
