"""Absolute URLs on the tracker's configured address, whatever request (if any) asks."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """Return an absolute URL on TRACKER_BASE_URL, usable outside a request (in emails).

    Inside a request too, where it is the safe choice for a URL others will follow: the
    request's Host header is whatever the client sent.
    """
    parts = urlsplit(current_app.config["TRACKER_BASE_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
