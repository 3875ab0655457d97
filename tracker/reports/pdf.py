"""Turning a rendered page into a PDF with WeasyPrint.

This module imports WeasyPrint, which loads Pango through cffi: the views import it only
when a PDF is asked for, so the rest of the app starts fast and runs without Pango.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, url_for
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

# WeasyPrint warns about every screen-only rule it skips (media features, clip-path...) on
# every PDF; those are expected, so only its errors reach the log.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


class StaticFileFetcher(URLFetcher):
    """Serve WeasyPrint the app's static files from disk and refuse every other URL.

    Fetching over HTTP would make a worker wait on a request to its own server (a
    deadlock with one worker), and would let a link in user text reach the network.
    """

    def __init__(self, static_url: str, static_folder: str) -> None:
        super().__init__()
        self.static_path = urlsplit(static_url).path
        self.static_folder = static_folder

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        """Return the static file `url` names. Raises ValueError for any other URL."""
        path = unquote(urlsplit(url).path)
        if not path.startswith(self.static_path):
            raise ValueError(f"only static files are fetched, not {url}")
        filename = safe_join(self.static_folder, path[len(self.static_path):])
        if filename is None or not Path(filename).is_file():
            raise ValueError(f"no static file at {url}")
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(filename).read_bytes(),
                                  {"Content-Type": content_type})


def render_pdf(html: str, base_url: str) -> bytes:
    """Return `html` laid out for print as a PDF; relative links resolve against `base_url`."""
    fetcher = StaticFileFetcher(url_for("static", filename="", _external=True),
                                current_app.static_folder)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher,
                media_type="print").write_pdf()
