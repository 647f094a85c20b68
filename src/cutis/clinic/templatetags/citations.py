"""Citation marks of the assessment page: numbers that link to the one sources list below."""

from __future__ import annotations

import functools

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cutis.clinic.services.assessment import Citation, Reason

register = template.Library()


@functools.lru_cache(maxsize=1024)
def mark(citation: Citation) -> SafeString:
    """One citation's number, a link to its entry in the sources list, its text on hover."""
    return format_html('<a href="#source-{0}" title="{1}">{0}</a>', citation.number, citation.text)


@register.simple_tag
def citation_marks(reason: Reason) -> SafeString:
    """` [1, 4]` after a reason, each number a link to the page's sources list (`#source-1`).

    Built here rather than with template loops: a page holds a hundred or more marks, and the
    template nodes per mark were most of the page's rendering time.
    """
    if not reason.citations:
        return SafeString("")
    # every part is escaped by `mark`; the join adds only literal text
    return mark_safe(" <sup>[" + ", ".join(mark(c) for c in reason.citations) + "]</sup>")
