"""What a page asks the database: the staff lookup once, and the lesions of the latest charting."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cutis.clinic.models import Clinic, Dog, Lesion, SavedAssessment, Visit
from cutis.clinic.services.cases import case_for
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db
ON = datetime.date(2025, 7, 26)


def regions(dog: Dog) -> list[str]:
    return [entry["region"] for entry in case_for(dog, ON)["lesions"]]


def test_a_page_reads_the_user_staff_member_and_clinic_in_one_query(
    vet_a: User, dog_a: Dog
) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client_for(vet_a).get(f"/dogs/{dog_a.pk}/assessment/")
    tables = [query["sql"].split(" FROM ", 1)[1].split()[0]
              for query in queries if " FROM " in query["sql"]]
    (user_query,) = [query["sql"] for query in queries if 'FROM "auth_user"' in query["sql"]]
    assert response.status_code == 200
    assert "Northside Vets" in response.content.decode()  # the header names the clinic
    assert '"clinic_staffmember"' in user_query
    assert '"clinic_clinic"' in user_query
    assert '"clinic_staffmember"' not in tables
    assert '"clinic_clinic"' not in tables


def test_the_case_takes_the_lesions_of_the_latest_visit_when_it_charted_any(dog_a: Dog) -> None:
    assert regions(dog_a) == ["neck_dorsal", "back"]


def test_a_later_visit_without_lesions_keeps_the_earlier_charting(dog_a: Dog) -> None:
    Visit.objects.create(dog=dog_a, date=ON, weight_kg=Decimal("12.5"))
    assert regions(dog_a) == ["neck_dorsal", "back"]


def test_a_later_visit_whose_lesions_are_all_voided_keeps_the_earlier_charting(
    dog_a: Dog, vet_a: User
) -> None:
    later = Visit.objects.create(dog=dog_a, date=ON, weight_kg=Decimal("12.5"))
    Lesion.objects.create(visit=later, region="hock_right", morphology="ulcer",
                          voided_at=timezone.now(), voided_by=vet_a, void_reason="wrong dog")
    assert regions(dog_a) == ["neck_dorsal", "back"]


def test_a_later_visit_with_lesions_replaces_the_earlier_charting(dog_a: Dog) -> None:
    later = Visit.objects.create(dog=dog_a, date=ON, weight_kg=Decimal("12.5"))
    Lesion.objects.create(visit=later, region="hock_right", morphology="ulcer")
    assert regions(dog_a) == ["hock_right"]


def test_a_dog_without_visits_has_no_lesions(clinic_a: Clinic) -> None:
    dog = Dog.objects.create(clinic=clinic_a, name="Pip", sex="male",
                             birth_date=datetime.date(2024, 1, 1))
    assert case_for(dog, ON)["lesions"] == []


def test_the_saved_list_shows_each_assessment_date_without_loading_the_documents(
    vet_a: User, dog_a: Dog
) -> None:
    client = client_for(vet_a)
    client.post(f"/dogs/{dog_a.pk}/assessment/save/")
    saved = SavedAssessment.objects.get(dog=dog_a)
    saved.assessment = {**saved.assessment, "assessed_on": "2025-07-01"}
    saved.save()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    listed = [query["sql"] for query in queries if 'FROM "clinic_savedassessment"' in query["sql"]]
    assert "<td>2025-07-01</td>" in page
    assert len(listed) == 1
    assert '"clinic_savedassessment"."case"' not in listed[0]
