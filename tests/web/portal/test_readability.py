"""Plain words: every owner text reads at US grade 8 or below (Flesch-Kincaid, textstat)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
import textstat
from django.contrib.auth.models import User
from django.urls import reverse

from cutis import load_knowledge
from cutis.clinic.models import Dog
from cutis.portal.services import care, words
from tests.web.conftest import client_for

GRADE = 8
RULES = load_knowledge().rules


def filled(text: str) -> str:
    """A rule's owner text with its {placeholders} as the plain words they stand for."""
    return re.sub(r"\{(\w+)\}", lambda m: m.group(1).removeprefix("owner_").replace("_", " "),
                  text)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_owner_text_of_the_knowledge_reads_at_grade_8_or_below(rule_id: str) -> None:
    text = filled(RULES[rule_id]["owner"])
    assert textstat.flesch_kincaid_grade(text) <= GRADE, text


PORTAL_SENTENCES = [
    words.GIVEN_AT_CLINIC,
    words.NO_HOME_TASK,
    *(f"{title}." for title in words.OWNER_TITLES.values()),
    *(f"{title}." for title in care.OWNER_CHECKS.values()),
    "Wash your dog with a germ-killing shampoo (chlorhexidine).",
    "It should cover the sore spots, so your dog cannot lick or scratch them.",
]


@pytest.mark.parametrize("text", PORTAL_SENTENCES)
def test_the_portals_own_texts_read_at_grade_8_or_below(text: str) -> None:
    assert textstat.flesch_kincaid_grade(text) <= GRADE, text


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip += tag in ("script", "style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style", "title")

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["portal:dog", "portal:home"])
def test_the_owners_pages_as_shown_read_at_grade_8_or_below(
        page: str, dog_a: Dog, home_plan: Any, owner_user: User) -> None:
    args = [dog_a.pk] if page == "portal:dog" else []
    parser = _Text()
    parser.feed(client_for(owner_user).get(reverse(page, args=args)).content.decode())
    text = ". ".join(parser.parts)
    assert textstat.flesch_kincaid_grade(text) <= GRADE, text
