"""The printable handout: the dog's page in print form, rendered to PDF by WeasyPrint."""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def _no_network(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # the handout holds a patient's plan: it never fetches anything from outside
    raise ValueError(f"the handout loads no external resources ({url})")


def handout_pdf(context: dict[str, Any]) -> bytes:
    from weasyprint import CSS, HTML  # a heavy import, only for the page that prints

    html = render_to_string("portal/handout.html", context)
    stylesheet = finders.find("portal/handout.css")
    assert isinstance(stylesheet, str)
    document = HTML(string=html, url_fetcher=_no_network)
    pdf: bytes = document.write_pdf(stylesheets=[CSS(filename=stylesheet)])
    return pdf
