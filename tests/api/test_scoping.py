"""The API's permission matrix: every operation of both OpenAPI schemas, as a data table.

A new operation fails test_every_operation_is_in_the_table until it has a row saying who may call
it; then every row is tried without a token, with a revoked one, on another clinic's dog, by an
owner (their own dog and someone else's) and, for a vet's act, by a nurse.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cutis.api.cds import cds
from cutis.api.tokens import issue_token, revoke_token
from cutis.api.v1 import api
from cutis.clinic.models import (
    Dog,
    Lesion,
    Medication,
    MonitoringItem,
    Observation,
    PlanItem,
    Visit,
)
from tests.api.conftest import api_client, bearer

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today().isoformat()


def visit(dog: Dog) -> int:
    found = dog.visits.first()
    return found.pk if found else Visit.objects.create(dog=dog, weight_kg=10).pk


def lesion(dog: Dog) -> int:
    return Lesion.objects.create(visit_id=visit(dog), region="back", morphology="plaque").pk


def observation(dog: Dog) -> int:
    return Observation.objects.create(dog=dog, code="weight", value=12, unit="kg").pk


def plan_item(dog: Dog) -> int:
    return PlanItem.objects.create(dog=dog, treatment="glucocorticoid_taper", drug="prednisolone",
                                   dose_mg=5, interval_hours=24).pk


def check(dog: Dog) -> int:
    return MonitoringItem.objects.create(dog=dog, kind="lesion_recheck").pk


Ids = Callable[[Dog], dict[str, int]]
Body = Callable[[Dog], Any]
NONE: Ids = lambda dog: {}  # noqa: E731
DOG: Ids = lambda dog: {"dog_id": dog.pk}  # noqa: E731
NO_BODY: Body = lambda dog: None  # noqa: E731


def with_id(name: str, make: Callable[[Dog], int]) -> Ids:
    return lambda dog: {"dog_id": dog.pk, name: make(dog)}


def body(value: Any) -> Body:
    return lambda dog: value


@dataclass(frozen=True)
class Raw:
    """A body that is not JSON (a CSV file), sent as it is."""

    content_type: str
    text: str


VOID = body({"reason": "entered in error"})
LESION = {"morphology": "plaque", "count": 1}
TAPER = {"start": TODAY, "start_mg": 5, "interval_hours": 24, "step_percent": 25, "step_days": 14,
         "smallest_step_mg": 1.25}
WEIGHT_BUNDLE = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
    "resourceType": "Observation", "status": "final", "effectiveDateTime": TODAY,
    "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
    "valueQuantity": {"value": 12.5, "unit": "kg", "system": "http://unitsofmeasure.org",
                      "code": "kg"}}}]}
CASE = {"format": "cutis-case/1", "patient": {"species": "dog", "sex": "female", "age_years": 5,
                                              "weight_kg": 20}}

# (method, path) -> (who may call it, the path's ids for a dog, a valid body for a dog)
#   "public": no token needed; "any": any token holder, names no dog;
#   "read": staff of the dog's clinic and the dog's owners; "staff": the dog's clinic's staff
#   (owners 403); "vet": a vet of the dog's clinic (nurses and owners 403);
#   "clinic": staff acting on their clinic, no dog (owners 403);
#   "admin": the clinic's admin, no dog (vets, nurses and owners 403)
SCOPES: dict[tuple[str, str], tuple[str, Ids, Body]] = {
    ("POST", "/api/v1/assess"): ("any", NONE, body(CASE)),
    ("GET", "/api/v1/dogs"): ("any", NONE, NO_BODY),
    ("POST", "/api/v1/dogs"): ("clinic", NONE, body({"name": "Mabel", "birth_date": "2021-03-04"})),
    ("GET", "/api/v1/dogs/{dog_id}"): ("read", DOG, NO_BODY),
    ("GET", "/api/v1/dogs/{dog_id}/assessment"): ("read", DOG, NO_BODY),
    ("GET", "/api/v1/dogs/{dog_id}/medications"): ("read", DOG, NO_BODY),
    ("POST", "/api/v1/dogs/{dog_id}/medications"): (
        "staff", DOG, body({"drug": "trilostane", "start": TODAY})),
    ("GET", "/api/v1/dogs/{dog_id}/visits"): ("read", DOG, NO_BODY),
    ("POST", "/api/v1/dogs/{dog_id}/visits"): (
        "staff", DOG, body({"date": TODAY, "weight_kg": 12})),
    ("GET", "/api/v1/dogs/{dog_id}/visits/{visit_id}/lesions"): (
        "read", with_id("visit_id", visit), NO_BODY),
    ("POST", "/api/v1/dogs/{dog_id}/visits/{visit_id}/lesions"): (
        "staff", with_id("visit_id", visit), body({**LESION, "region": "back"})),
    ("PUT", "/api/v1/dogs/{dog_id}/lesions/{lesion_id}"): (
        "staff", with_id("lesion_id", lesion), body(LESION)),
    ("POST", "/api/v1/dogs/{dog_id}/lesions/{lesion_id}/void"): (
        "staff", with_id("lesion_id", lesion), VOID),
    ("GET", "/api/v1/dogs/{dog_id}/observations"): ("read", DOG, NO_BODY),
    ("POST", "/api/v1/dogs/{dog_id}/observations/values"): (
        "staff", DOG, body({"code": "weight", "value": 12, "unit": "kg", "date": TODAY})),
    ("POST", "/api/v1/dogs/{dog_id}/observations/results"): (
        "staff", DOG, body({"code": "skin_cytology", "result": "cocci", "date": TODAY})),
    ("POST", "/api/v1/dogs/{dog_id}/observations/{observation_id}/void"): (
        "staff", with_id("observation_id", observation), VOID),
    ("GET", "/api/v1/dogs/{dog_id}/plan"): ("read", DOG, NO_BODY),
    ("POST", "/api/v1/dogs/{dog_id}/plan"): (
        "vet", DOG, body({"treatment": "glucocorticoid_taper"})),
    ("PUT", "/api/v1/dogs/{dog_id}/plan/{item_id}"): (
        "vet", with_id("item_id", plan_item), body({"start": TODAY})),
    ("POST", "/api/v1/dogs/{dog_id}/plan/{item_id}/taper"): (
        "vet", with_id("item_id", plan_item), body(TAPER)),
    ("POST", "/api/v1/dogs/{dog_id}/plan/{item_id}/void"): (
        "vet", with_id("item_id", plan_item), VOID),
    ("GET", "/api/v1/dogs/{dog_id}/monitoring"): ("read", DOG, NO_BODY),
    ("POST", "/api/v1/dogs/{dog_id}/monitoring/schedule"): ("staff", DOG, NO_BODY),
    ("POST", "/api/v1/dogs/{dog_id}/monitoring/{item_id}/due"): (
        "staff", with_id("item_id", check), body({"due": TODAY})),
    ("POST", "/api/v1/dogs/{dog_id}/monitoring/{item_id}/done"): (
        "staff", with_id("item_id", check), body({"done_on": TODAY})),
    ("GET", "/api/v1/dogs/{dog_id}/fhir"): ("read", DOG, NO_BODY),
    ("POST", "/api/v1/dogs/{dog_id}/fhir/observations"): ("staff", DOG, body(WEIGHT_BUNDLE)),
    ("POST", "/api/v1/labs/csv"): (
        "clinic", NONE,
        lambda dog: Raw("text/csv", f"dog_id,code,value,unit,date\n{dog.pk},weight,12.5,kg,{TODAY}\n")),
    ("GET", "/api/v1/export"): ("admin", NONE, NO_BODY),
    ("GET", "/cds-services"): ("public", NONE, NO_BODY),
    ("POST", "/cds-services/cutis-patient-view"): (
        "read", NONE, lambda dog: {"hook": "patient-view", "hookInstance": "1",
                                   "context": {"userId": "u", "patientId": str(dog.pk)}}),
}
NAMES_A_DOG = {"read", "staff", "vet"}
WRITES = {"staff", "vet", "clinic", "admin"}


def operations() -> set[tuple[str, str]]:
    found = set()
    for schema in (api.get_openapi_schema(path_prefix="api/v1/"),
                   cds.get_openapi_schema(path_prefix="")):
        for path, methods in schema["paths"].items():
            found |= {(method.upper(), path) for method in methods}
    return found


def test_every_operation_is_in_the_table() -> None:
    assert operations() ^ set(SCOPES) == set()


def call(client: Client, operation: tuple[str, str], dog: Dog) -> int:
    method, path = operation
    _who, ids, make_body = SCOPES[operation]
    url = path.format(**ids(dog))
    payload = make_body(dog)
    if payload is None:
        return int(client.generic(method, url).status_code)
    if isinstance(payload, Raw):
        return int(client.generic(method, url, data=payload.text,
                                  content_type=payload.content_type).status_code)
    response = client.generic(method, url, data=json.dumps(payload),
                              content_type="application/json")
    return int(response.status_code)


OPERATIONS = sorted(SCOPES)
GUARDED = [op for op in OPERATIONS if SCOPES[op][0] != "public"]


@pytest.mark.parametrize("operation", GUARDED)
def test_without_a_token_it_is_refused(operation: tuple[str, str], dog_a: Dog) -> None:
    assert call(Client(), operation, dog_a) == 401


@pytest.mark.parametrize("operation", GUARDED)
def test_a_revoked_token_is_refused(operation: tuple[str, str], dog_a: Dog,
                                    vet_a: User) -> None:
    token, secret = issue_token(vet_a, "revoked")
    revoke_token(token)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert call(client, operation, dog_a) == 401


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if SCOPES[op][0] in NAMES_A_DOG])
def test_another_clinics_dog_is_not_found(operation: tuple[str, str], dog_b: Dog,
                                          vet_a: User) -> None:
    assert call(api_client(vet_a), operation, dog_b) == 404


@pytest.mark.parametrize("operation", GUARDED)
def test_an_owner_reads_their_own_dog_and_changes_nothing(
        operation: tuple[str, str], dog_a: Dog, owner_user: User, other_owner: User) -> None:
    who = SCOPES[operation][0]
    own = call(api_client(owner_user), operation, dog_a)
    others = call(api_client(other_owner), operation, dog_a)
    if who in WRITES:
        assert (own, others) == (403, 403)
    elif who == "read":
        assert (own, others) == (200, 404)
    else:
        assert (own, others) == (200, 200)


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if SCOPES[op][0] == "vet"])
def test_only_a_vet_changes_the_plan(operation: tuple[str, str], dog_a: Dog, nurse_a: User,
                                     admin_a: User) -> None:
    assert call(api_client(nurse_a), operation, dog_a) == 403
    assert call(api_client(admin_a), operation, dog_a) == 403


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if SCOPES[op][0] == "admin"])
def test_only_the_clinic_admin_takes_the_clinics_data_out(operation: tuple[str, str], dog_a: Dog,
                                                          vet_a: User, nurse_a: User) -> None:
    assert call(api_client(vet_a), operation, dog_a) == 403
    assert call(api_client(nurse_a), operation, dog_a) == 403


@pytest.mark.parametrize("operation", GUARDED)
def test_the_dogs_clinic_may_call_every_operation(operation: tuple[str, str], dog_a: Dog,
                                                  vet_a: User, admin_a: User) -> None:
    """A vet of the dog's clinic, or for the admin's operations its admin."""
    user = admin_a if SCOPES[operation][0] == "admin" else vet_a
    client = Client(headers={"Authorization": f"Bearer {bearer(user)}"})
    assert call(client, operation, dog_a) in (200, 201)


# --- every role of the issue on every operation, on clinic A's dog and on clinic B's ------------
API_ROLES = ("vet", "nurse", "admin", "vet_b", "owner", "co_owner", "other_owner", "anonymous",
             "revoked_token")
OK = 200  # 200, or 201 for an operation that creates a record
# who may call it -> status on clinic A's dog, then on clinic B's, in the order of API_ROLES:
#   vet, nurse, admin, vet_b, owner, co_owner, other_owner, anonymous, revoked_token
# Another clinic's dog is not found (404); an owner writes nothing (403) and reads only their
# own dog; a nurse or an admin is refused a vet's act (403) before any dog is looked up.
API_STATUSES = {
    "public": ((OK,) * 9, (OK,) * 9),
    "any": ((OK, OK, OK, OK, OK, OK, OK, 401, 401), (OK, OK, OK, OK, OK, OK, OK, 401, 401)),
    "clinic": ((OK, OK, OK, OK, 403, 403, 403, 401, 401),
               (OK, OK, OK, OK, 403, 403, 403, 401, 401)),
    "read": ((OK, OK, OK, 404, OK, OK, 404, 401, 401),
             (404, 404, 404, OK, 404, 404, 404, 401, 401)),
    "staff": ((OK, OK, OK, 404, 403, 403, 403, 401, 401),
              (404, 404, 404, OK, 403, 403, 403, 401, 401)),
    "vet": ((OK, 403, 403, 404, 403, 403, 403, 401, 401),
            (404, 403, 403, OK, 403, 403, 403, 401, 401)),
    # the clinic's whole export: its admin only, whichever clinic
    "admin": ((403, 403, OK, 403, 403, 403, 403, 401, 401),
              (403, 403, OK, 403, 403, 403, 403, 401, 401)),
}


def expected_status(operation: tuple[str, str], role: str, clinic: str) -> int:
    on_a, on_b = API_STATUSES[SCOPES[operation][0]]
    return dict(zip(API_ROLES, on_a if clinic == "A" else on_b, strict=True))[role]


@pytest.fixture
def api_callers(vet_a: User, nurse_a: User, admin_a: User, vet_b: User, owner_user: User,
                other_owner: User, dog_a: Dog, dog_b: Dog) -> dict[str, Client]:
    from cutis.clinic.models import Owner
    from tests.web.conftest import make_user

    co_owner = make_user("cora")
    dog_a.owners.add(Owner.objects.create(clinic=dog_a.clinic, name="Cora", user=co_owner))
    users = {"vet": vet_a, "nurse": nurse_a, "admin": admin_a, "vet_b": vet_b,
             "owner": owner_user, "co_owner": co_owner, "other_owner": other_owner}
    clients = {role: api_client(user) for role, user in users.items()}
    clients["anonymous"] = Client()
    token, secret = issue_token(vet_a, "revoked")
    revoke_token(token)
    clients["revoked_token"] = Client(headers={"Authorization": f"Bearer {secret}"})
    # Rex on prednisolone too, so the taper a vet accepts is one his assessment proposes
    Medication.objects.create(dog=dog_b, drug="prednisolone", dose_mg=20, interval_hours=24,
                              route="oral", start=datetime.date(2024, 6, 1))
    return clients


@pytest.mark.parametrize("role", API_ROLES)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_role_gets_what_the_table_says_on_each_clinics_dog(
        operation: tuple[str, str], role: str, api_callers: dict[str, Client], dog_a: Dog,
        dog_b: Dog) -> None:
    for clinic, dog in (("A", dog_a), ("B", dog_b)):
        status = call(api_callers[role], operation, dog)
        expected = expected_status(operation, role, clinic)
        allowed = (200, 201) if expected == OK else (expected,)
        assert status in allowed, f"{role} {operation} on clinic {clinic}'s dog: {status}"
