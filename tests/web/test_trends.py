"""Trends: server-drawn SVG charts with the reference band, and the same data as a table."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User

from cutis.clinic.models import Dog, Observation
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db


def lab(dog: Dog, code: str, on: datetime.date, value: float, unit: str = "mg/dL") -> None:
    Observation.objects.create(
        dog=dog, code=code, date=on, value=value, unit=unit, entered_value=value, entered_unit=unit
    )


@pytest.fixture
def charted_dog(dog_a: Dog) -> Dog:
    lab(dog_a, "calcium_total", datetime.date(2025, 5, 1), 10.2)
    lab(dog_a, "calcium_total", datetime.date(2025, 7, 20), 12.6)
    lab(dog_a, "phosphorus", datetime.date(2025, 7, 20), 6.1)
    return dog_a


def test_the_trends_page_shows_a_chart_and_a_table_of_the_values(
    vet_a: User, charted_dog: Dog
) -> None:
    response = client_for(vet_a).get(f"/dogs/{charted_dog.pk}/trends/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'src="/dogs/{charted_dog.pk}/trends/calcium_total.svg"' in page
    assert "<td>2025-05-01</td><td>10.2</td>" in page
    assert '<td>2025-07-20</td><td class="flag-high">12.6</td>' in page
    assert "reference interval 9–11.5 mg/dL" in page


def test_the_calcium_phosphorus_product_is_computed_on_dates_with_both(
    vet_a: User, charted_dog: Dog
) -> None:
    page = client_for(vet_a).get(f"/dogs/{charted_dog.pk}/trends/").content.decode()
    assert '<td>2025-07-20</td><td class="flag-high">76.9</td>' in page
    assert (
        "<td>2025-05-01</td><td>" not in page.split('id="trend-ca_x_p"')[1].split("</section>")[0]
    )


def test_a_series_without_data_says_so_instead_of_drawing_an_empty_chart(
    vet_a: User, charted_dog: Dog
) -> None:
    page = client_for(vet_a).get(f"/dogs/{charted_dog.pk}/trends/").content.decode()
    assert "No basal cortisol recorded yet." in page
    assert "creatinine.svg" not in page
    assert client_for(vet_a).get(f"/dogs/{charted_dog.pk}/trends/creatinine.svg").status_code == 404


def test_the_chart_is_an_svg_with_the_reference_band_shaded(vet_a: User, charted_dog: Dog) -> None:
    response = client_for(vet_a).get(f"/dogs/{charted_dog.pk}/trends/calcium_total.svg")
    svg = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert svg.lstrip().startswith("<?xml")
    assert 'id="reference-band"' in svg
    assert "total calcium (mg/dL)" in svg


def test_weight_and_lesions_are_charted_from_visits(vet_a: User, dog_a: Dog) -> None:
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/trends/").content.decode()
    lesions = page.split('id="trend-lesion_count"')[1].split("</section>")[0]
    regions = page.split('id="trend-affected_regions"')[1].split("</section>")[0]
    assert "<td>2025-07-26</td><td>12.4</td>" in page
    assert "<td>2025-07-26</td><td>5</td>" in lesions
    assert "<td>2025-07-26</td><td>2</td>" in regions
    weight = client_for(vet_a).get(f"/dogs/{dog_a.pk}/trends/weight.svg")
    assert weight.status_code == 200
    assert "body weight (kg)" in weight.content.decode()


def test_a_voided_result_is_left_out_of_the_trend(vet_a: User, charted_dog: Dog) -> None:
    charted_dog.observations.filter(value=12.6).update(
        voided_at=datetime.datetime(2025, 7, 21, tzinfo=datetime.UTC), void_reason="lipaemic"
    )
    page = client_for(vet_a).get(f"/dogs/{charted_dog.pk}/trends/").content.decode()
    assert "12.6" not in page


def test_a_chart_drawn_once_still_shows_a_result_added_or_voided_after(
    vet_a: User, charted_dog: Dog
) -> None:
    client = client_for(vet_a)
    url = f"/dogs/{charted_dog.pk}/trends/calcium_total.svg"
    first = client.get(url).content
    assert client.get(url).content == first  # the same data draws the same chart
    lab(charted_dog, "calcium_total", datetime.date(2025, 7, 25), 14.2)
    added = client.get(url).content
    assert added != first
    charted_dog.observations.filter(value=14.2).update(
        voided_at=datetime.datetime(2025, 7, 26, tzinfo=datetime.UTC), void_reason="wrong dog"
    )
    assert client.get(url).content == first


def test_another_clinics_vet_gets_404_for_the_trends_and_the_chart(
    vet_b: User, charted_dog: Dog
) -> None:
    client = client_for(vet_b)
    assert client.get(f"/dogs/{charted_dog.pk}/trends/").status_code == 404
    assert client.get(f"/dogs/{charted_dog.pk}/trends/calcium_total.svg").status_code == 404


@pytest.mark.parametrize(
    "on", [datetime.date(1, 1, 1), datetime.date(1, 1, 2), datetime.date(9999, 12, 31)]
)
def test_a_result_dated_at_the_ends_of_the_calendar_still_draws(
    vet_a: User, dog_a: Dog, on: datetime.date
) -> None:
    """A date mistyped as year 1 or 9999 is kept as typed; its chart must still open, not 500."""
    lab(dog_a, "calcium_total", on, 10.2)
    response = client_for(vet_a).get(f"/dogs/{dog_a.pk}/trends/calcium_total.svg")
    assert response.status_code == 200
    assert 'id="reference-band"' in response.content.decode()
