"""The demo loader behind `make serve`."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cutis.clinic.models import Clinic, Dog, MonitoringItem, Photo, PlanItem

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_clinics_four_dogs_with_photos_plans_and_monitoring(
        settings: Any) -> None:
    settings.DEMO = True
    call_command("load_demo", stdout=None)
    assert Clinic.objects.count() == 2
    assert Dog.objects.count() == 4
    for dog in Dog.objects.all():
        assert dog.visits.count() >= 2, dog.name
        assert dog.observations.exists(), dog.name
        assert Photo.objects.filter(dog=dog).count() == 2, dog.name
        assert PlanItem.objects.filter(dog=dog).exists(), dog.name
        assert MonitoringItem.objects.filter(dog=dog).exists(), dog.name


def test_loading_the_demo_twice_changes_nothing(settings: Any) -> None:
    settings.DEMO = True
    call_command("load_demo")
    counts = (Dog.objects.count(), PlanItem.objects.count(), Photo.objects.count())
    call_command("load_demo")
    assert (Dog.objects.count(), PlanItem.objects.count(), Photo.objects.count()) == counts


def test_the_demo_is_refused_outside_demo_mode(settings: Any) -> None:
    settings.DEMO = False
    with pytest.raises(CommandError, match="CUTIS_DEMO"):
        call_command("load_demo")
    assert not Dog.objects.exists()


def test_the_demo_owner_signs_in_to_todays_tasks_for_their_dogs(settings: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    settings.DEMO = True
    call_command("load_demo")
    client = Client()
    response = client.post(reverse("login"), {"username": "owner", "password": "cutis-demo"})
    assert response["Location"] == reverse("portal:home")
    page = client.get(reverse("portal:home")).content.decode()
    assert "Biscuit" in page and "Coco" in page and "Give trilostane (Vetoryl)" in page
    assert "Give prednisolone (a steroid)" in page and "Rex" not in page
