"""The permission matrix: role x page x own or other clinic's dog, as a data table.

Every named URL of the clinic app must appear in PAGES, every owner portal page in PORTAL_PAGES:
a new page cannot be forgotten (tests/test_permission_matrix.py checks the whole URLconf).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from cutis.api.tokens import issue_token, revoke_token
from cutis.clinic.models import (
    Dog,
    MonitoringItem,
    Observation,
    Photo,
    PlanItem,
    SavedAssessment,
    Visit,
)
from cutis.clinic.services.cases import assess_dog
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db


def observation(dog: Dog) -> int:
    return Observation.objects.create(dog=dog, code="weight", value=12, unit="kg").pk


def visit(dog: Dog) -> int:
    found = dog.visits.first()
    return found.pk if found else Visit.objects.create(dog=dog, weight_kg=10).pk


def lesion(dog: Dog) -> int:
    return Visit.objects.get(pk=visit(dog)).lesions.create(region="back", morphology="plaque").pk


def photo(dog: Dog) -> int:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "pink").save(buffer, "JPEG")
    item = Photo(dog=dog)
    item.image.save("p.jpg", ContentFile(buffer.getvalue()), save=False)
    item.thumbnail.save("t.jpg", ContentFile(buffer.getvalue()), save=False)
    item.save()
    return item.pk


def saved(dog: Dog) -> int:
    case, assessment = assess_dog(dog, datetime.date(2025, 7, 26))
    return SavedAssessment.objects.create(
        dog=dog, created_by=User.objects.get(username="alice"), case=case, assessment=assessment,
        engine_version=assessment["engine_version"],
        knowledge_version=assessment["knowledge_version"]).pk


def taper_item(dog: Dog) -> int:
    return PlanItem.objects.create(dog=dog, treatment="glucocorticoid_taper", drug="prednisolone",
                                   dose_mg=5, interval_hours=24, product_strength_mg=5,
                                   product_units=1, product_form="tablet").pk


def monitoring_item(dog: Dog) -> int:
    return MonitoringItem.objects.create(dog=dog, kind="lesion_recheck",
                                         due=datetime.date(2025, 8, 9)).pk


def api_token(dog: Dog) -> int:
    return issue_token(User.objects.get(username="alice"), "practice system")[0].pk


Args = Callable[[Dog], dict[str, Any]]
DOG: Args = lambda dog: {"dog_id": dog.pk}  # noqa: E731

# page -> (the URL's arguments for a given dog, who may open it)
#   "staff": every staff role of the dog's clinic; "vet": prescribing, vets only;
#   "post": an action: GET is not allowed (405) for anyone signed in;
#   "admin": the clinic admin only (the full export)
#   "account": the signed-in user's own pages (API tokens): staff and owners, no dog
#   "account_post": an action on them: GET is not allowed (405)
#   "open": the site's own pages everyone may open (health probe, sign-in form)
#   "open_post": sign-out, an action for anyone: GET is not allowed (405)
PAGES: dict[str, tuple[Args, str]] = {
    "health": (lambda dog: {}, "open"),
    "login": (lambda dog: {}, "open"),
    "logout": (lambda dog: {}, "open_post"),
    "clinic:dashboard": (lambda dog: {}, "staff"),
    "clinic:dog_list": (lambda dog: {}, "staff"),
    "clinic:dog_create": (lambda dog: {}, "staff"),
    "clinic:dog_detail": (DOG, "staff"),
    "clinic:visit_create": (DOG, "staff"),
    "clinic:medication_create": (DOG, "staff"),
    "clinic:lab_list": (DOG, "staff"),
    "clinic:lab_panel": (DOG, "staff"),
    "clinic:lab_options": (DOG, "staff"),
    "clinic:lab_value_create": (DOG, "staff"),
    "clinic:lab_test_create": (DOG, "staff"),
    "clinic:lab_void": (lambda dog: {"dog_id": dog.pk, "observation_id": observation(dog)},
                        "staff"),
    "clinic:trends": (DOG, "staff"),
    "clinic:trend_chart": (lambda dog: {"dog_id": dog.pk, "slug": "weight"}, "staff"),
    "clinic:body_map": (lambda dog: {"dog_id": dog.pk, "visit_id": visit(dog)}, "staff"),
    "clinic:body_map_panel": (lambda dog: {"dog_id": dog.pk, "visit_id": visit(dog)}, "staff"),
    "clinic:lesion_create": (
        lambda dog: {"dog_id": dog.pk, "visit_id": visit(dog), "region": "back"}, "staff"),
    "clinic:lesion_edit": (lambda dog: {"dog_id": dog.pk, "lesion_id": lesion(dog)}, "staff"),
    "clinic:lesion_void": (lambda dog: {"dog_id": dog.pk, "lesion_id": lesion(dog)}, "staff"),
    "clinic:photo_list": (DOG, "staff"),
    "clinic:photo_upload": (DOG, "staff"),
    "clinic:photo_compare": (DOG, "staff"),
    "clinic:photo_image": (lambda dog: {"dog_id": dog.pk, "photo_id": photo(dog)}, "staff"),
    "clinic:photo_thumbnail": (lambda dog: {"dog_id": dog.pk, "photo_id": photo(dog)}, "staff"),
    "clinic:photo_void": (lambda dog: {"dog_id": dog.pk, "photo_id": photo(dog)}, "staff"),
    "clinic:assessment": (DOG, "staff"),
    "clinic:assessment_alerts": (DOG, "staff"),
    "clinic:assessment_saved": (lambda dog: {"dog_id": dog.pk, "saved_id": saved(dog)}, "staff"),
    "clinic:assessment_save": (DOG, "post"),
    "clinic:plan": (DOG, "staff"),
    "clinic:plan_accept": (DOG, "post"),
    "clinic:plan_item_edit": (lambda dog: {"dog_id": dog.pk, "item_id": taper_item(dog)}, "vet"),
    "clinic:plan_item_void": (lambda dog: {"dog_id": dog.pk, "item_id": taper_item(dog)}, "vet"),
    "clinic:plan_taper": (lambda dog: {"dog_id": dog.pk, "item_id": taper_item(dog)}, "staff"),
    "clinic:plan_taper_print": (
        lambda dog: {"dog_id": dog.pk, "item_id": taper_item(dog)}, "staff"),
    "clinic:monitoring": (DOG, "staff"),
    "clinic:monitoring_generate": (DOG, "post"),
    "clinic:monitoring_due": (
        lambda dog: {"dog_id": dog.pk, "item_id": monitoring_item(dog)}, "post"),
    "clinic:monitoring_done": (
        lambda dog: {"dog_id": dog.pk, "item_id": monitoring_item(dog)}, "post"),
    "clinic:dog_fhir": (DOG, "staff"),
    "clinic:dog_fhir_import": (DOG, "staff"),
    "clinic:lab_csv_import": (lambda dog: {}, "staff"),
    "clinic:clinic_export": (lambda dog: {}, "admin"),
    "api_tokens:list": (lambda dog: {}, "account"),
    "api_tokens:revoke": (lambda dog: {"token_id": api_token(dog)}, "account_post"),
}

# (page kind, role) -> expected GET status on the own clinic's dog (dog_a, clinic A's), another
# clinic's dog (dog_b, clinic B's), and on a page that names no dog
OUTSIDERS = {"owner": 403, "co_owner": 403, "other_owner": 403, "stranger": 403,
             "anonymous": 302}
ROLES_SIGNED_IN = ("vet", "nurse", "admin", "vet_b", "owner", "co_owner", "other_owner",
                   "stranger")
EXPECTED: dict[tuple[str, str], dict[str, int]] = {}
for kind in ("staff", "vet", "post", "admin"):
    for role in ("vet", "nurse", "admin"):
        own = 200
        if kind == "vet" and role != "vet":
            own = 403
        if kind == "admin" and role != "admin":
            own = 403
        if kind == "post":
            own = 405
        EXPECTED[(kind, role)] = {"own": own, "other": 405 if kind == "post" else 404,
                                  "none": own}
    # bob, the vet of clinic B, sees clinic A's dog as alice sees his
    alice = EXPECTED[(kind, "vet")]
    EXPECTED[(kind, "vet_b")] = {"own": alice["other"], "other": alice["own"],
                                 "none": alice["none"]}
    for role, status in OUTSIDERS.items():
        refused = 405 if kind == "post" and role != "anonymous" else status
        EXPECTED[(kind, role)] = {"own": refused, "other": refused, "none": refused}
for role in ROLES_SIGNED_IN:
    holder = role != "stranger"
    EXPECTED[("account", role)] = {"none": 200 if holder else 403}
    EXPECTED[("account_post", role)] = {"none": 405}
EXPECTED[("account", "anonymous")] = EXPECTED[("account_post", "anonymous")] = {"none": 302}
for role in (*ROLES_SIGNED_IN, "anonymous"):
    EXPECTED[("open", role)] = {"none": 200}
    EXPECTED[("open_post", role)] = {"none": 405}
# an API token is for the API only: a revoked one (alice's) opens no web page, it is anonymous
for kind, role in list(EXPECTED):
    if role == "anonymous":
        EXPECTED[(kind, "revoked_token")] = EXPECTED[(kind, role)]


# the namespaces of pages people open in a browser ("" is the site's own: health, sign-in); the
# portal has its table below, the API its own matrix (tests/api/test_scoping.py)
MATRIX = ("", "clinic:", "api_tokens:")


def clinic_page_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace in MATRIX:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return names


def test_every_clinic_page_is_in_the_matrix() -> None:
    assert clinic_page_names() ^ set(PAGES) == set()


def revoked_token_client(user: User) -> Client:
    """A client presenting `user`'s API token after it was revoked, and no session."""
    token, secret = issue_token(user, "revoked")
    revoke_token(token)
    return Client(headers={"Authorization": f"Bearer {secret}"})


def owner_of_dog(username: str, dog: Dog) -> User:
    from cutis.clinic.models import Owner
    from tests.web.conftest import make_user

    user = make_user(username)
    dog.owners.add(Owner.objects.create(clinic=dog.clinic, name=username.title(), user=user))
    return user


@pytest.fixture
def people(vet_a: User, nurse_a: User, admin_a: User, vet_b: User, owner_user: User,
           stranger: User, dog_a: Dog) -> dict[str, Client]:
    """Every role of the issue: clinic A's staff, clinic B's vet, Biscuit's owner and co-owner,
    the owner of another dog of clinic A, a user with no role, no one, and a revoked token."""
    pip = Dog.objects.create(clinic=dog_a.clinic, name="Pip", birth_date=datetime.date(2020, 1, 1))
    users = {"vet": vet_a, "nurse": nurse_a, "admin": admin_a, "vet_b": vet_b,
             "owner": owner_user, "co_owner": owner_of_dog("cora", dog_a),
             "other_owner": owner_of_dog("otto", pip), "stranger": stranger}
    clients = {role: client_for(user) for role, user in users.items()}
    clients["anonymous"] = Client()
    clients["revoked_token"] = revoked_token_client(vet_a)
    return clients


ROLES = ("vet", "nurse", "admin", "vet_b", "owner", "co_owner", "other_owner", "stranger",
         "anonymous", "revoked_token")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_role_reaches_only_what_is_theirs(role: str, page: str, people: dict[str, Client],
                                               dog_a: Dog, dog_b: Dog) -> None:
    arguments, kind = PAGES[page]
    names_a_dog = "dog_id" in arguments(dog_a)
    cases = [("own", dog_a), ("other", dog_b)] if names_a_dog else [("none", dog_a)]
    for which, dog in cases:
        url = reverse(page, kwargs=arguments(dog))
        status = people[role].get(url).status_code
        assert status == EXPECTED[(kind, role)][which], f"{role} GET {url} ({which}): {status}"


# --- the owner portal: owner, co-owner, another owner, staff, anonymous ----------------------------
# page -> (the URL's arguments for Biscuit, who may open it): "owner" pages are the caregivers'
# (another owner's dog is a 404, staff are refused), "staff" is the clinic's invitation page,
# "link" pages are opened by a token in the URL, not by signing in
def portal_photo(dog: Dog) -> dict[str, Any]:
    from django.contrib.auth.models import User as UserModel

    pk = photo(dog)
    Photo.objects.filter(pk=pk).update(uploaded_by=UserModel.objects.get(username="olive"))
    return {"dog_id": dog.pk, "photo_id": pk}


def feed_token(dog: Dog) -> dict[str, Any]:
    from django.utils import timezone

    from cutis.portal.services.calendar import new_feed

    return {"token": new_feed(dog.owners.get(name="Olive"), timezone.now())}


def invitation_token(dog: Dog) -> dict[str, Any]:
    from django.utils import timezone

    from cutis.portal.services.invitations import invite_owner

    _invitation, token = invite_owner(dog, name="Rosa", email="rosa@example.org",
                                      invited_by=User.objects.get(username="alice"),
                                      now=timezone.now())
    return {"token": token}


PORTAL_PAGES: dict[str, tuple[Args, str]] = {
    "portal:home": (lambda dog: {}, "owner-any"),
    "portal:calendar": (lambda dog: {}, "owner-any"),
    "portal:dog": (DOG, "owner"),
    "portal:diary": (DOG, "owner"),
    "portal:handout": (DOG, "owner"),
    "portal:photo": (portal_photo, "owner"),
    "portal:task_done": (DOG, "owner-post"),
    "portal:invite": (DOG, "staff"),
    "portal:feed": (feed_token, "link"),
    "portal:accept": (invitation_token, "link"),
}
PORTAL_ROLES = ROLES
# (kind, role) -> GET status on Biscuit's page; the roles in the order of ROLES:
#   vet, nurse, admin, vet_b, owner, co_owner, other_owner, stranger, anonymous, revoked_token
PORTAL_STATUSES = {
    "owner": (403, 403, 403, 403, 200, 200, 404, 403, 302, 302),
    "owner-any": (403, 403, 403, 403, 200, 200, 200, 403, 302, 302),
    "owner-post": (405, 405, 405, 405, 405, 405, 405, 405, 302, 302),
    # clinic B's vet cannot find Biscuit at all, as on every clinic page
    "staff": (200, 200, 200, 404, 403, 403, 403, 403, 302, 302),
    # the token is the key: anyone holding it opens it, as a calendar app or a new owner must
    "link": (200,) * len(PORTAL_ROLES),
}
PORTAL_EXPECTED: dict[tuple[str, str], int] = {
    (kind, role): status for kind, statuses in PORTAL_STATUSES.items()
    for role, status in zip(PORTAL_ROLES, statuses, strict=True)
}


def portal_page_names() -> set[str]:
    return {f"portal:{p.name}" for p in get_resolver().url_patterns
            if isinstance(p, URLResolver) and p.namespace == "portal"
            for p in p.url_patterns if isinstance(p, URLPattern) and p.name}


def test_every_portal_page_is_in_the_matrix() -> None:
    assert portal_page_names() ^ set(PORTAL_PAGES) == set()


@pytest.mark.parametrize("role", PORTAL_ROLES)
@pytest.mark.parametrize("page", sorted(PORTAL_PAGES))
def test_each_caregiver_reaches_only_their_own_dogs(role: str, page: str, dog_a: Dog,
                                                    people: dict[str, Client]) -> None:
    arguments, kind = PORTAL_PAGES[page]
    url = reverse(page, kwargs=arguments(dog_a))
    status = people[role].get(url).status_code
    assert status == PORTAL_EXPECTED[(kind, role)], f"{role} GET {url}: {status}"


def test_another_owners_feed_token_or_a_revoked_one_is_not_found(
        dog_a: Dog, people: dict[str, Client]) -> None:
    from django.utils import timezone

    from cutis.clinic.models import Owner
    from cutis.portal.services.calendar import new_feed, revoke_feeds

    olive = Owner.objects.get(name="Olive")
    token = new_feed(olive, timezone.now())
    revoke_feeds(olive, timezone.now())
    assert Client().get(reverse("portal:feed", args=[token])).status_code == 404
    assert Client().get(reverse("portal:feed", args=["x" * 43])).status_code == 404
