"""Bad input at every owner portal form: never a 500, a refusal says what, nothing stored changes.

The owner portal's rows of tests/web/test_form_fuzz.py's tables, fuzzed with its helpers: each
field is drawn as something an owner (or, inviting one, the clinic) could send or from its
troublemakers. Per case: a form comes back with each error beside its field's label and nothing
stored (rows, histories, users, files) changed, or it redirects and every page reading what it
stored still opens, the owner's and the vet's. A done mark answers with a redirect: a refusal with
an error message and nothing changed. The calendar page answers with the new secret link, which
must then open. The invitation's token in the URL is fuzzed too. Each case runs in a transaction
rolled back at its end.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import constants, get_messages
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cutis.clinic.models import Dog, PlanItem
from cutis.portal.models import CareDone
from cutis.portal.services.calendar import active_feed, new_feed
from cutis.portal.services.diary import owner_photos
from cutis.portal.services.invitations import invite_owner
from tests.strategies import CASES_RUN, fuzz_settings
from tests.web import test_form_fuzz
from tests.web.conftest import client_for
from tests.web.portal.conftest import TODAY
from tests.web.test_form_fuzz import (
    SLICE,
    FormPage,
    Records,
    assert_errors_shown,
    dog,
    fuzz_posts,
    stored,
    trouble,
    uploads,
    value_of,
    web_share,
)

pytestmark = pytest.mark.django_db

# the clinic's records (a fixture), which the portal's are made over
records = test_form_fuzz.records


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan's tasks fall on fixed days, so the bounded slice posts the same cases every run."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


@dataclass(frozen=True)
class PortalRecords(Records):
    """The clinic's records, with the dog's home-care plan, its owner and an open invitation."""

    owner: User
    plan: tuple[int, ...]
    token: str  # the invitation's link, open
    old_token: str  # an earlier link of the same invitee, replaced by `token`


def portal(r: Records) -> PortalRecords:
    assert isinstance(r, PortalRecords)
    return r


def invitation(r: Records) -> list[Any]:
    return [portal(r).token]


def plan_items(r: Records) -> st.SearchStrategy[Any]:
    return value_of(st.sampled_from(portal(r).plan).map(str))


def days_around_today(before: int, after: int) -> st.SearchStrategy[str]:
    return st.integers(-before, after).map(lambda n: (TODAY + datetime.timedelta(n)).isoformat())


PASSWORDS = ("plaque-gel-tuesday-7", "password", "short", "Biscuit2019")
password = value_of(st.sampled_from(PASSWORDS) | st.text(min_size=8, max_size=40))
# the same password again, most of the time: hypothesis gives both draws of a shared key one value
same_password = st.shared(password, key="accept: password")
emails = (
    st.sampled_from(("rosa@example.org", "ROSA@Example.org ", "olive@example.org", "no-at-sign"))
    | st.emails()
    # a long address the form takes: the column must hold it
    | st.integers(1, 320).map(lambda n: "r" * n + "@example.org")
)

# forms: the form again with each error beside its label, or a redirect
PORTAL_FORMS: dict[str, FormPage] = {
    "portal:diary": FormPage(
        dog,
        {
            "score": value_of(st.integers(-2, 12).map(str)),
            "day": value_of(days_around_today(400, 3)),
            "note": value_of(st.just("scratching at night") | st.text(max_size=320)),
            "photo": uploads | value_of(st.just("")),
        },
        readers=("portal:diary", "portal:home", "portal:dog", "clinic:trends",
                 "clinic:trend_chart", "clinic:photo_compare", "clinic:dog_detail"),
    ),
    "portal:invite": FormPage(
        dog,
        {
            "name": value_of(st.sampled_from(("Rosa", "Ana María O'Neil")) | st.text(max_size=210)),
            "email": value_of(emails),
        },
        readers=("clinic:dog_detail", "portal:invite"),
    ),
    "portal:accept": FormPage(
        invitation,
        {"password": same_password, "again": same_password | password},
        readers=("portal:home", "portal:dog", "portal:diary"),
    ),
}

# actions: a redirect; a refusal with an error message and nothing changed
PORTAL_ACTIONS: dict[str, FormPage] = {
    "portal:task_done": FormPage(
        dog,
        {
            "item": plan_items,
            "task": value_of(st.sampled_from(("dose", "bath", "gel", "shirt"))),
            "day": value_of(days_around_today(9, 2)),
            "slot": value_of(st.integers(-1, 2).map(str)),
            # no page sends it, anyone may: it was followed (off the site; a 500 for a word)
            "back": value_of(st.sampled_from(("", "/owner/", "//evil.example/",
                                              "https://evil.example/owner/"))),
        },
        readers=("portal:home", "portal:dog", "clinic:dog_detail"),
    ),
}

# pages that make a secret: the answer is the new calendar link, or a redirect when turned off
PORTAL_SECRETS: dict[str, FormPage] = {
    "portal:calendar": FormPage(
        lambda r: [],
        {"action": value_of(st.sampled_from(("new", "revoke")))},
        readers=("portal:calendar", "portal:home"),
    ),
}

# the pages above, and the invitation's token in its URL (the last test but one)
PORTAL_FUZZED = len(PORTAL_FORMS) + len(PORTAL_ACTIONS) + len(PORTAL_SECRETS) + 1

# portal pages taking a POST without any field: there is nothing to fuzz (none so far)
PORTAL_TAKES_NO_INPUT: set[str] = set()


@pytest.fixture
def portal_records(
    records: Records, owner_user: User, vet_a: User, home_plan: dict[str, PlanItem]
) -> PortalRecords:
    now = timezone.now()
    _replaced, old_token = invite_owner(records.dog, name="Rosa", email="rosa@example.org",
                                        invited_by=vet_a, now=now)
    _open, token = invite_owner(records.dog, name="Rosa", email="rosa@example.org",
                                invited_by=vet_a, now=now)
    new_feed(owner_user.owner, now)
    plan = tuple(PlanItem.objects.filter(dog=records.dog).values_list("pk", flat=True))
    return PortalRecords(**vars(records), owner=owner_user, plan=plan, token=token,
                         old_token=old_token)


READER_ARGS: dict[str, Callable[[Records], list[Any]]] = {
    "portal:home": lambda r: [],
    "portal:calendar": lambda r: [],
    "clinic:trend_chart": lambda r: [r.dog.pk, "itch_score"],
}


def assert_readers_open(poster: Client, staff: Client, page: FormPage, r: Records) -> None:
    """The pages reading what was stored: the clinic's opened by its vet, the portal's by the
    one who posted."""
    for reader in page.readers:
        url = reverse(reader, args=READER_ARGS.get(reader, dog)(r))
        status = (staff if reader.startswith("clinic:") else poster).get(url).status_code
        assert status == 200, f"{url} answered {status} after the accepted post"


def poster_of(name: str, r: PortalRecords, vet: User) -> User | None:
    """Who sends the page: the clinic invites, the invitee has no account yet, owners the rest."""
    return {"portal:invite": vet, "portal:accept": None}.get(name, r.owner)


@pytest.mark.parametrize("name", sorted(PORTAL_FORMS))
def test_a_portal_form_rejects_bad_input_by_field_and_keeps_what_is_stored(
    name: str, portal_records: PortalRecords, vet_a: User
) -> None:
    page = PORTAL_FORMS[name]
    staff = client_for(vet_a)

    def check(client: Client, response: Any, changed: Callable[[], bool]) -> None:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert_errors_shown(response)
            assert not changed(), "a rejected form changed what is stored"
            return
        assert urlsplit(response["Location"]).netloc == ""
        assert_readers_open(client, staff, page, portal_records)
        for photo in owner_photos(portal_records.dog):
            for size in ("", "?size=full"):
                url = reverse("portal:photo", args=[portal_records.dog.pk, photo.pk]) + size
                assert client.get(url).status_code == 200, url

    fuzz_posts(name, page, portal_records, poster_of(name, portal_records, vet_a), check)


@pytest.mark.parametrize("name", sorted(PORTAL_ACTIONS))
def test_a_portal_action_refuses_bad_input_with_a_message_and_keeps_what_is_stored(
    name: str, portal_records: PortalRecords, vet_a: User
) -> None:
    page = PORTAL_ACTIONS[name]
    staff = client_for(vet_a)

    def check(client: Client, response: Any, changed: Callable[[], bool]) -> None:
        assert response.status_code == 302, response.status_code
        location = urlsplit(response["Location"])
        assert not location.scheme and not location.netloc, f"sent away to {location.geturl()}"
        refused = any(m.level == constants.ERROR for m in get_messages(response.wsgi_request))
        if refused:
            assert not changed(), "a refused action changed what is stored"
        else:
            # no mark is stored before a case: one that stored nothing must have said why
            assert changed(), "the action changed nothing and said nothing"
        assert_readers_open(client, staff, page, portal_records)

    fuzz_posts(name, page, portal_records, poster_of(name, portal_records, vet_a), check)


@pytest.mark.parametrize("name", sorted(PORTAL_SECRETS))
def test_the_calendar_link_page_makes_a_working_link_or_turns_it_off(
    name: str, portal_records: PortalRecords, vet_a: User
) -> None:
    page = PORTAL_SECRETS[name]
    staff = client_for(vet_a)
    owner = portal_records.owner.owner

    def check(client: Client, response: Any, changed: Callable[[], bool]) -> None:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert list(get_messages(response.wsgi_request)), "turned off without a message"
            assert active_feed(owner) is None
        else:
            link = urlsplit(response.context["link"])
            assert client.get(link.path).status_code == 200, "the new calendar link does not open"
        assert_readers_open(client, staff, page, portal_records)

    fuzz_posts(name, page, portal_records, poster_of(name, portal_records, vet_a), check)


@pytest.mark.parametrize(
    "back", ["x", " ", "//evil.example/", "https://evil.example/owner/", "javascript:alert(1)"]
)
def test_a_done_mark_goes_back_to_the_owners_day_whatever_the_post_names(
    back: str, dog_a: Dog, owner_user: User, home_plan: dict[str, PlanItem]
) -> None:
    """Found by the fuzz: a `back` in the post was followed, to another site or, for a word that
    is no URL, to a 500."""
    response = client_for(owner_user).post(
        reverse("portal:task_done", args=[dog_a.pk]),
        {"item": home_plan["shirt"].pk, "task": "shirt", "day": TODAY.isoformat(), "slot": 0,
         "back": back},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:home')}#dog-{dog_a.pk}"
    assert CareDone.objects.filter(plan_item=home_plan["shirt"], day=TODAY).exists()


def test_an_invitation_link_that_is_not_open_is_gone_and_changes_nothing(
    portal_records: PortalRecords, settings: Any
) -> None:
    """Any token in the invitation's URL: the open one opens, any other is gone (410) or not a
    page at all (404), whether opened or posted to; nothing stored changes."""
    r = portal_records
    media = Path(settings.MEDIA_ROOT)
    tokens = (
        st.sampled_from((r.token, r.old_token, r.token[:-1], r.token + "A", r.token.upper()))
        | trouble
    )

    @fuzz_settings(SLICE, share=web_share())
    @given(token=tokens, posted=value_of(st.sampled_from(PASSWORDS)))
    def open_one(token: str, posted: Any) -> None:
        CASES_RUN["web: portal:accept (token)"] += 1
        url = reverse("portal:accept", args=["-"]).replace("/-/", f"/{quote(token, safe='')}/")
        with transaction.atomic():
            before = stored(media)
            opened = Client().get(url).status_code
            answer = Client().post(url, {"password": posted, "again": posted}).status_code
            if token != r.token:
                assert (opened, answer) in ((410, 410), (404, 404)), (token, opened, answer)
                assert stored(media) == before, "a closed link changed what is stored"
            else:
                assert opened == 200 and answer in (200, 302), answer
            transaction.set_rollback(True)

    open_one()


def test_every_portal_page_taking_a_post_is_fuzzed(
    portal_records: PortalRecords, vet_a: User
) -> None:
    """A new owner portal form is fuzzed from the day it is added: one taking a POST must be in a
    table above (or, taking no field, in PORTAL_TAKES_NO_INPUT)."""
    from tests.web.test_permissions import PORTAL_PAGES

    who = {"staff": vet_a, "link": None}
    taking_posts = set()
    for name, (arguments, kind) in PORTAL_PAGES.items():
        user = who.get(kind, portal_records.owner)
        client = client_for(user) if user is not None else Client()
        with transaction.atomic():
            response = client.post(reverse(name, kwargs=arguments(portal_records.dog)))
            assert response.status_code in (200, 302, 405), f"{name}: {response.status_code}"
            if response.status_code != 405:
                taking_posts.add(name)
            transaction.set_rollback(True)
    fuzzed = set(PORTAL_FORMS) | set(PORTAL_ACTIONS) | set(PORTAL_SECRETS)
    assert taking_posts - PORTAL_TAKES_NO_INPUT - fuzzed == set()
    assert fuzzed | PORTAL_TAKES_NO_INPUT <= taking_posts, "a table lists a page taking no POST"
