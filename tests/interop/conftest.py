"""The web personas (clinic A and B staff, owners, a charted dog) and the demo, for interop tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from cutis.clinic.models import Dog
from tests.web.conftest import (  # noqa: F401  (fixtures shared with the web tests)
    admin_a,
    clinic_a,
    clinic_b,
    dog_a,
    dog_b,
    fast_password_hashing,
    nurse_a,
    owner_user,
    stranger,
    vet_a,
    vet_b,
)


@pytest.fixture
def demo_dogs(settings: Any, tmp_path: Any) -> list[Dog]:
    """The four demo dogs after the vignettes, with photos, plans, monitoring and assessments."""
    settings.DEMO = True
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo")
    return list(Dog.objects.order_by("id"))
