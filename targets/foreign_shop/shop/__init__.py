"""A small shop: Flask + sentry-sdk on the server, @sentry/browser with Replay on its one page."""
