"""Demo data for `make serve`: two clinics, staff, owners and four dogs after the public vignettes.

Refused unless CUTIS_DEMO is on (which itself needs DEBUG): demo logins never reach a live server.
Dates are relative to today so the demo always looks current. Running it twice changes nothing.
"""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cutis.clinic.models import (
    Clinic,
    Dog,
    Lesion,
    Medication,
    Observation,
    Owner,
    StaffMember,
    Visit,
)
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.monitoring import schedule_for_plan
from cutis.clinic.services.photos import store_photo
from cutis.clinic.services.plan import accept_treatment

PASSWORD = "cutis-demo"
LOGINS = (
    ("vet", "vet at Northside Veterinary Clinic"),
    ("nurse", "nurse at Northside Veterinary Clinic"),
    ("admin", "clinic admin at Northside Veterinary Clinic"),
    ("vet-south", "vet at Southside Animal Hospital (sees only its own dogs)"),
    ("owner", "owner of Biscuit and Coco: the owner portal at /owner/ with today's tasks"),
    ("owner2", "owner of Rex"),
)


def _user(username: str, first_name: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"first_name": first_name})
    user.set_password(PASSWORD)
    user.save()
    return user


def _observe(
    dog: Dog,
    code: str,
    date: datetime.date,
    value: float | None = None,
    unit: str = "",
    result: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    if value is not None:
        lab = knowledge().labs[code]
        canonical = value * float(lab["units"][unit])
        Observation.objects.create(
            dog=dog,
            code=code,
            date=date,
            value=canonical,
            unit=lab["canonical_unit"],
            entered_value=value,
            entered_unit=unit,
        )
    else:
        Observation.objects.create(
            dog=dog, code=code, date=date, result=result, detail=detail or {}
        )


def _lesion_picture(seed: int, plaques: int, redness: int) -> SimpleUploadedFile:
    """A drawn stand-in for a clinical photo: pink skin with red plaques and white crust."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480), (226, 182, 170))
    draw = ImageDraw.Draw(image)
    for _ in range(plaques):
        x, y, r = rng.randint(60, 580), rng.randint(60, 420), rng.randint(18, 46)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(redness, 70, 70))
        for _ in range(6):
            dx, dy = rng.randint(-r // 2, r // 2), rng.randint(-r // 2, r // 2)
            draw.ellipse((x + dx - 3, y + dy - 3, x + dx + 3, y + dy + 3), fill=(245, 238, 220))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(f"demo-{seed}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _photos(dog: Dog, region: str, by: User, dates: list[datetime.date]) -> None:
    for number, taken_on in enumerate(dates):
        visit = dog.visits.filter(date__lte=taken_on).order_by("-date").first()
        picture = _lesion_picture(
            dog.pk * 10 + number, plaques=3 + number * 2, redness=170 + number * 40
        )
        store_photo(dog, picture, visit=visit, region=region, taken_on=taken_on, uploaded_by=by)


def _plan(dog: Dog, by: User, today: datetime.date, treatments: list[str]) -> None:
    for treatment in treatments:
        accept_treatment(dog, treatment_id=treatment, drug="", accepted_by=by, on=today)
    schedule_for_plan(dog, today)


class Command(BaseCommand):
    help = "Load the demo clinics, logins and dogs (demo mode only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError("demo data is only loaded with CUTIS_DEMO=true and DEBUG=true")
        if Clinic.objects.filter(name="Northside Veterinary Clinic").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            self._load(timezone.localdate())
        self.stdout.write("\nDemo logins (password: cutis-demo):")
        for username, who in LOGINS:
            self.stdout.write(f"  {username:<10} {who}")

    @transaction.atomic
    def _load(self, today: datetime.date) -> None:
        def ago(days: int) -> datetime.date:
            return today - datetime.timedelta(days=days)

        north = Clinic.objects.create(
            name="Northside Veterinary Clinic", phone="+44 20 7946 0100", market="uk"
        )
        south = Clinic.objects.create(name="Southside Animal Hospital", phone="+44 20 7946 0200")
        vet = _user("vet", "Dr Vera")
        StaffMember.objects.create(user=vet, clinic=north, role="vet")
        StaffMember.objects.create(user=_user("nurse", "Nell"), clinic=north, role="nurse")
        StaffMember.objects.create(user=_user("admin", "Ada"), clinic=north, role="admin")
        vet_south = _user("vet-south", "Dr Sol")
        StaffMember.objects.create(user=vet_south, clinic=south, role="vet")
        olivia = Owner.objects.create(
            clinic=north,
            name="Olivia Hart",
            email="olivia@example.org",
            phone="+44 7700 900001",
            user=_user("owner", "Olivia"),
        )
        sam = Owner.objects.create(
            clinic=north, name="Sam Reed", email="sam@example.org", user=_user("owner2", "Sam")
        )
        pat = Owner.objects.create(clinic=south, name="Pat Lowe", email="pat@example.org")

        # Biscuit: vignette p01, long-term prednisolone, plaques on neck and back
        biscuit = Dog.objects.create(
            clinic=north,
            name="Biscuit",
            breed="French Bulldog",
            sex="female_spayed",
            birth_date=ago(6 * 365),
        )
        biscuit.owners.add(olivia)
        first = Visit.objects.create(
            dog=biscuit,
            date=ago(16),
            weight_kg=Decimal("12.6"),
            signs=["polydipsia", "polyphagia", "panting", "pruritus"],
            conditions=["atopic_dermatitis"],
            notes="Itchy red plaques on the back of the neck.",
        )
        Lesion.objects.create(
            visit=first,
            region="neck_dorsal",
            morphology="plaque",
            count=2,
            size_cm=Decimal("2.0"),
            firm_gritty=True,
            features=["erythema", "dark_crust"],
            pruritic=True,
            onset=ago(30),
        )
        second = Visit.objects.create(
            dog=biscuit,
            date=today,
            weight_kg=Decimal("12.4"),
            signs=["polydipsia", "polyphagia", "panting", "pruritus"],
            conditions=["atopic_dermatitis"],
            notes="New plaques on the back since the last visit.",
        )
        Lesion.objects.create(
            visit=second,
            region="neck_dorsal",
            morphology="plaque",
            count=3,
            size_cm=Decimal("2.5"),
            firm_gritty=True,
            features=["erythema", "dark_crust"],
            pruritic=True,
            onset=ago(30),
        )
        Lesion.objects.create(
            visit=second,
            region="back",
            morphology="plaque",
            count=2,
            size_cm=Decimal("1.5"),
            firm_gritty=True,
            features=["erythema", "white_yellow_crust"],
            pruritic=True,
            onset=ago(12),
        )
        Medication.objects.create(
            dog=biscuit,
            drug="prednisolone",
            dose_mg=Decimal(5),
            interval_hours=Decimal(24),
            route="oral",
            start=ago(3 * 365),
            reason="atopic dermatitis",
        )
        for code, value, unit in (
            ("calcium_total", 2.6, "mmol/L"),
            ("phosphorus", 4.4, "mg/dL"),
            ("creatinine", 88, "umol/L"),
            ("alp", 240, "U/L"),
        ):
            _observe(biscuit, code, ago(16), value, unit)
        _observe(biscuit, "calcium_total", ago(2), 10.4, "mg/dL")
        _observe(biscuit, "skin_cytology", ago(2), result="cocci")

        # Rex: vignette p02, a young German Shepherd with one chalky footpad nodule
        rex = Dog.objects.create(
            clinic=north,
            name="Rex",
            breed="German Shepherd Dog",
            sex="male",
            birth_date=ago(int(1.5 * 365)),
        )
        rex.owners.add(sam)
        for days, weight, size in ((40, "31.0", "1.5"), (5, "32.0", "2.0")):
            visit = Visit.objects.create(dog=rex, date=ago(days), weight_kg=Decimal(weight))
            Lesion.objects.create(
                visit=visit,
                region="hindpaw_left",
                morphology="nodule",
                count=1,
                size_cm=Decimal(size),
                firm_gritty=True,
                features=["chalky_discharge", "swelling"],
                pruritic=False,
                onset=ago(60),
            )
        _observe(rex, "skin_cytology", ago(5), result="amorphous_mineral")

        # Coco: vignettes p03 then p04, pituitary-dependent Cushing's confirmed
        coco = Dog.objects.create(
            clinic=north,
            name="Coco",
            breed="Miniature Poodle",
            sex="female_spayed",
            birth_date=ago(10 * 365),
        )
        coco.owners.add(olivia)
        signs = [
            "polyuria",
            "polydipsia",
            "polyphagia",
            "panting",
            "pot_belly",
            "thin_skin",
            "comedones",
        ]
        for days, weight in ((35, "6.1"), (2, "6.0")):
            visit = Visit.objects.create(
                dog=coco, date=ago(days), weight_kg=Decimal(weight), signs=signs
            )
            Lesion.objects.create(
                visit=visit,
                region="neck_dorsal",
                morphology="plaque",
                count=4,
                size_cm=Decimal("1.5"),
                firm_gritty=True,
                features=["erythema", "white_yellow_crust"],
                onset=ago(40),
            )
        _observe(coco, "alp", ago(35), 900, "U/L")
        for code, value, unit in (
            ("cortisol_basal", 6.1, "ug/dL"),
            ("acth_stim_post", 28.0, "ug/dL"),
            ("creatinine", 0.8, "mg/dL"),
            ("calcium_total", 10.2, "mg/dL"),
            ("phosphorus", 4.1, "mg/dL"),
        ):
            _observe(coco, code, ago(9), value, unit)
        _observe(coco, "abdominal_ultrasound", ago(9), result="bilateral_adrenomegaly")
        _observe(coco, "skin_biopsy", ago(4), result="mineralization_confirmed")
        _observe(coco, "skin_cytology", ago(9), result="no_bacteria")

        # Bella (second clinic): vignette p05, kidney disease with footpad calcification
        bella = Dog.objects.create(
            clinic=south,
            name="Bella",
            breed="Mixed breed",
            sex="male_neutered",
            birth_date=ago(9 * 365),
        )
        bella.owners.add(pat)
        for days, weight in ((60, "18.6"), (3, "18.0")):
            visit = Visit.objects.create(
                dog=bella,
                date=ago(days),
                weight_kg=Decimal(weight),
                signs=["polyuria", "polydipsia", "inappetence"],
                conditions=["chronic_kidney_disease"],
            )
            for region, count in (("hindpaw_left", 2), ("hindpaw_right", 1)):
                Lesion.objects.create(
                    visit=visit,
                    region=region,
                    morphology="plaque",
                    count=count,
                    size_cm=Decimal("1.0"),
                    firm_gritty=True,
                    features=["ulceration"],
                )
        for days, creatinine, phosphorus in ((60, 3.1, 7.2), (3, 4.2, 9.5)):
            _observe(bella, "creatinine", ago(days), creatinine, "mg/dL")
            _observe(bella, "phosphorus", ago(days), phosphorus, "mg/dL")
            _observe(bella, "calcium_total", ago(days), 11.0, "mg/dL")
        _observe(bella, "usg", ago(3), 1.012, "")

        # photos at two dates per dog, and a plan accepted from each dog's assessment
        _photos(biscuit, "neck_dorsal", vet, [ago(16), today])
        _photos(rex, "hindpaw_left", vet, [ago(40), ago(5)])
        _photos(coco, "neck_dorsal", vet, [ago(35), ago(2)])
        _photos(bella, "hindpaw_left", vet_south, [ago(60), ago(3)])
        _plan(
            biscuit,
            vet,
            today,
            [
                "glucocorticoid_taper",
                "nonsteroidal_itch_control",
                "systemic_antibiotic",
                # home care the owner portal turns into today's tasks
                "antimicrobial_bathing",
                "topical_dmso",
                "protective_garment",
            ],
        )
        _plan(rex, vet, today, ["surgical_excision", "oatmeal_bathing"])
        _plan(coco, vet, today, ["trilostane", "oatmeal_bathing"])
        _plan(bella, vet_south, today, ["kidney_disease_management"])
