"""The body map: lesions charted per region of a visit, changed with history, voided with a reason."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cutis.clinic.models import Dog, Lesion, Visit
from cutis.clinic.services.cases import assess_dog, knowledge
from cutis.clinic.services.lesions import FEATURES
from cutis.clinic.views.lesions import region_outlines
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db

NODULES = {
    "morphology": "nodule",
    "count": "2",
    "size_cm": "1.2",
    "firm_gritty": "true",
    "features": ["chalky_discharge", "swelling"],
    "pruritic": "false",
    "onset": "2025-07-01",
}


def visit_of(dog: Dog) -> Visit:
    return dog.visits.get()


def map_url(dog: Dog) -> str:
    return f"/dogs/{dog.pk}/visits/{visit_of(dog).pk}/lesions/"


def region_url(dog: Dog, region: str) -> str:
    return f"/dogs/{dog.pk}/visits/{visit_of(dog).pk}/regions/{region}/"


def region_link(page: str, region: str) -> str:
    """The opening tag of a region's link on the map."""
    found = re.search(rf'<a id="region-{region}"[^>]*>', page)
    assert found, f"no link for {region}"
    return found.group(0)


def badge_of(page: str, region: str) -> str | None:
    link = page.index(f'id="region-{region}"')
    end = page.index("</a>", link)
    found = re.search(r'<g class="count"[^>]*>.*?<text[^>]*>(\d+)</text>', page[link:end], re.S)
    return found.group(1) if found else None


def test_charting_a_lesion_stores_it_on_the_visit_and_highlights_the_region(
    vet_a: User, dog_a: Dog
) -> None:
    client = client_for(vet_a)
    response = client.post(region_url(dog_a, "elbow_left"), NODULES)
    lesion = Lesion.objects.get(region="elbow_left")
    assert response.status_code == 302
    assert response["Location"].endswith("#region-elbow_left")
    assert lesion.visit == visit_of(dog_a)
    assert (lesion.morphology, lesion.count, lesion.size_cm) == ("nodule", 2, Decimal("1.2"))
    assert (lesion.firm_gritty, lesion.pruritic) == (True, False)
    assert lesion.features == ["chalky_discharge", "swelling"]
    assert lesion.onset == datetime.date(2025, 7, 1)
    assert lesion.history.get().history_user == vet_a
    page = client.get(response["Location"]).content.decode()
    assert "Charted 2 nodules, up to 1.2 cm, firm/gritty, not pruritic" in page
    assert "charted" in region_link(page, "elbow_left")
    assert badge_of(page, "elbow_left") == "2"
    assert "left elbow (pressure point): 2 lesions" in page
    assert "charted" not in region_link(page, "elbow_right")
    assert "chalky discharge, swelling; onset 2025-07-01" in page


def test_the_body_map_draws_every_region_of_the_knowledge_as_a_link_to_its_form(
    vet_a: User, dog_a: Dog
) -> None:
    page = client_for(vet_a).get(map_url(dog_a)).content.decode()
    for region_id, region in knowledge().regions.items():
        link = region_link(page, region_id)
        assert f'data-region="{region_id}"' in link
        assert f'href="{region_url(dog_a, region_id)}"' in link
        assert f"<title>{region['label']}" in page[page.index(link) :]
    assert page.count('class="region') == len(knowledge().regions) == 34


def test_every_region_of_the_knowledge_has_a_shape_and_no_shape_lacks_a_region() -> None:
    assert set(region_outlines()) == set(knowledge().regions)


def test_the_lesions_already_charted_show_with_their_count_and_in_the_legend(
    vet_a: User, dog_a: Dog
) -> None:
    page = client_for(vet_a).get(map_url(dog_a)).content.decode()
    assert badge_of(page, "neck_dorsal") == "3"
    assert badge_of(page, "back") == "2"
    assert badge_of(page, "face") is None
    assert "3 plaques, up to 2.5 cm, firm/gritty, pruritic; erythema, dark crust" in page
    assert "dorsal neck" in page


def test_a_count_below_one_is_refused_naming_the_field_and_keeping_the_input(
    vet_a: User, dog_a: Dog
) -> None:
    response = client_for(vet_a).post(region_url(dog_a, "inguinal"), {**NODULES, "count": "0"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Count: must be at least 1 (got 0)" in page
    assert 'name="size_cm" value="1.2"' in page
    assert 'value="chalky_discharge" id="id_features_5" checked' in page
    assert not Lesion.objects.filter(region="inguinal").exists()


def test_an_onset_after_the_visit_is_refused_naming_the_field(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).post(region_url(dog_a, "tail"), {**NODULES, "onset": "2025-08-01"})
    assert response.status_code == 200
    assert "Onset: 2025-08-01 is after the visit (2025-07-26)" in response.content.decode()
    assert not Lesion.objects.filter(region="tail").exists()


def test_a_region_the_knowledge_does_not_name_is_not_found(vet_a: User, dog_a: Dog) -> None:
    assert client_for(vet_a).get(region_url(dog_a, "wing_left")).status_code == 404


def test_clicking_a_region_with_htmx_loads_only_its_panel_with_the_lesions_there(
    vet_a: User, dog_a: Dog
) -> None:
    response = client_for(vet_a).get(region_url(dog_a, "neck_dorsal"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert "Dorsal neck" in page
    assert "3 plaques, up to 2.5 cm" in page
    assert 'name="morphology"' in page


def test_changing_a_lesion_keeps_the_previous_version_in_its_history(
    vet_a: User, dog_a: Dog
) -> None:
    lesion = Lesion.objects.get(region="back")
    client = client_for(vet_a)
    form = client.get(f"/dogs/{dog_a.pk}/lesions/{lesion.pk}/edit/").content.decode()
    assert 'name="count" value="2"' in form
    response = client.post(
        f"/dogs/{dog_a.pk}/lesions/{lesion.pk}/edit/",
        {"morphology": "plaque", "count": "4", "size_cm": "1.5", "features": ["erythema"]},
    )
    lesion.refresh_from_db()
    assert response.status_code == 302
    assert (lesion.count, lesion.features, lesion.firm_gritty) == (4, ["erythema"], None)
    changed, created = lesion.history.all()[:2]
    assert (changed.history_type, changed.history_user, changed.count) == ("~", vet_a, 4)
    assert created.count == 2
    page = client.get(response["Location"]).content.decode()
    assert "Changed to 4 plaques, up to 1.5 cm; erythema on the back." in page
    assert badge_of(page, "back") == "4"


def test_voiding_a_lesion_keeps_the_row_with_its_reason_and_takes_it_off_the_map(
    vet_a: User, dog_a: Dog
) -> None:
    lesion = Lesion.objects.get(region="back")
    client = client_for(vet_a)
    response = client.post(
        f"/dogs/{dog_a.pk}/lesions/{lesion.pk}/void/", {"reason": "charted on the wrong dog"}
    )
    lesion.refresh_from_db()
    assert response.status_code == 302
    assert lesion.is_voided
    assert (lesion.void_reason, lesion.voided_by) == ("charted on the wrong dog", vet_a)
    assert lesion.history.first().history_user == vet_a
    page = client.get(response["Location"]).content.decode()
    assert badge_of(page, "back") is None
    assert "Voided lesions" in page
    assert "charted on the wrong dog" in page
    case, _ = assess_dog(dog_a, datetime.date(2025, 7, 26))
    assert [entry["region"] for entry in case["lesions"]] == ["neck_dorsal"]


def test_voiding_without_a_reason_is_refused_and_the_lesion_stands(vet_a: User, dog_a: Dog) -> None:
    lesion = Lesion.objects.get(region="back")
    response = client_for(vet_a).post(
        f"/dogs/{dog_a.pk}/lesions/{lesion.pk}/void/", {"reason": "  "}
    )
    lesion.refresh_from_db()
    assert response.status_code == 200
    assert "Reason: This field is required." in response.content.decode()
    assert not lesion.is_voided


def test_every_charted_feature_reaches_the_case_the_core_assesses(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).post(
        region_url(dog_a, "hock_right"),
        {"morphology": "ulcer", "count": "1", "features": list(reversed(FEATURES))},
    )
    case, assessment = assess_dog(dog_a, datetime.date(2025, 7, 26))
    charted = [entry for entry in case["lesions"] if entry["region"] == "hock_right"]
    assert response.status_code == 302
    assert charted == [
        {"region": "hock_right", "morphology": "ulcer", "count": 1, "features": list(FEATURES)}
    ]
    assert assessment["format"] == "cutis-assessment/1"


def test_the_dog_page_loads_the_body_map_of_the_latest_visit(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    page = client.get(f"/dogs/{dog_a.pk}/").content.decode()
    panel = f"/dogs/{dog_a.pk}/visits/{visit_of(dog_a).pk}/lesions/panel/"
    assert f'hx-get="{panel}"' in page
    assert "neck_dorsal: 3 × plaque, up to 2.5 cm" in page
    response = client.get(panel, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="region-neck_dorsal"' in response.content.decode()


def lesion_pages(dog: Dog) -> dict[str, str]:
    lesion = Lesion.objects.get(visit__dog=dog, region="back")
    return {
        "body map": map_url(dog),
        "body map panel": f"{map_url(dog)}panel/",
        "lesion form": region_url(dog, "back"),
        "lesion edit": f"/dogs/{dog.pk}/lesions/{lesion.pk}/edit/",
        "lesion void": f"/dogs/{dog.pk}/lesions/{lesion.pk}/void/",
    }


# a vet of clinic B must not even learn that clinic A's records exist
OTHER_CLINIC = [
    ("body map", "get"),
    ("body map panel", "get"),
    ("lesion form", "get"),
    ("lesion form", "post"),
    ("lesion edit", "get"),
    ("lesion edit", "post"),
    ("lesion void", "get"),
    ("lesion void", "post"),
]


@pytest.mark.parametrize(("page", "method"), OTHER_CLINIC)
def test_a_vet_of_another_clinic_gets_not_found_for_the_body_map_and_lesion_pages(
    vet_b: User, dog_a: Dog, page: str, method: str
) -> None:
    client: Client = client_for(vet_b)
    url = lesion_pages(dog_a)[page]
    response = getattr(client, method)(url, {**NODULES, "reason": "not mine"})
    assert response.status_code == 404
    assert Lesion.objects.filter(visit__dog=dog_a, voided_at__isnull=True).count() == 2
    assert not Lesion.objects.filter(visit__dog=dog_a, count=2, morphology="nodule").exists()
