"""Clinical records of a clinic: dogs, visits, lesions, observations, photos, plans, monitoring.

Nothing clinical is hard-deleted: a record is voided with a reason, and every change is kept in
its history (django-simple-history). Every query starts from a clinic (see `cutis.clinic.scoping`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

SEX_CHOICES = [
    ("female", "female"),
    ("female_spayed", "female, spayed"),
    ("male", "male"),
    ("male_neutered", "male, neutered"),
    ("unknown", "unknown"),
]
ROUTE_CHOICES = [
    (route, route.replace("_", " "))
    for route in (
        "oral",
        "topical",
        "injection",
        "depot_injection",
        "otic",
        "ophthalmic",
        "inhaled",
    )
]
MORPHOLOGY_CHOICES = [(m, m) for m in ("papule", "plaque", "nodule", "ulcer")]


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    # which product sizes the dose calculator offers (uk, us or all)
    market = models.CharField(max_length=10, default="all")
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class StaffMember(models.Model):
    VET = "vet"
    NURSE = "nurse"
    ADMIN = "admin"
    ROLE_CHOICES: ClassVar[list[tuple[str, str]]] = [
        (VET, "vet"),
        (NURSE, "nurse"),
        (ADMIN, "clinic admin"),
    ]
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=10, choices=ROLE_CHOICES)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role}, {self.clinic})"


class Voidable(models.Model):
    """Clinical data is voided with a reason, never deleted."""

    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class Owner(Voidable):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="owners")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owner",
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.name


class Dog(Voidable):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="dogs")
    owners = models.ManyToManyField(Owner, related_name="dogs", blank=True)
    name = models.CharField(max_length=100)
    breed = models.CharField(max_length=100, blank=True)
    sex = models.CharField(max_length=20, choices=SEX_CHOICES, default="unknown")
    birth_date = models.DateField(help_text="estimate it when unknown")
    created = models.DateTimeField(default=timezone.now)
    # renewed with every write to the record; keys the cached page bodies (services.pages)
    record_stamp = models.BigIntegerField(default=0, editable=False)
    history = HistoricalRecords(m2m_fields=[owners], excluded_fields=["record_stamp"])

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name


class Visit(Voidable):
    dog = models.ForeignKey(Dog, on_delete=models.PROTECT, related_name="visits")
    date = models.DateField(default=timezone.localdate)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=2)
    signs = models.JSONField(default=list, blank=True)
    conditions = models.JSONField(default=list, blank=True)
    exposures = models.JSONField(default=list, blank=True)
    skin_trauma = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.dog} on {self.date}"


class Medication(Voidable):
    dog = models.ForeignKey(Dog, on_delete=models.PROTECT, related_name="medications")
    drug = models.CharField(max_length=100)
    drug_class = models.CharField(max_length=60, blank=True)
    dose_mg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    interval_hours = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    route = models.CharField(max_length=20, choices=ROUTE_CHOICES, blank=True)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["-start", "-id"]


class Lesion(Voidable):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="lesions")
    region = models.CharField(max_length=40)
    morphology = models.CharField(max_length=10, choices=MORPHOLOGY_CHOICES)
    count = models.PositiveIntegerField(default=1)
    size_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    firm_gritty = models.BooleanField(null=True, blank=True)
    features = models.JSONField(default=list, blank=True)
    pruritic = models.BooleanField(null=True, blank=True)
    onset = models.DateField(null=True, blank=True)
    history = HistoricalRecords()


class Observation(Voidable):
    """A lab value stored in its canonical unit, with what was typed kept beside it."""

    dog = models.ForeignKey(Dog, on_delete=models.PROTECT, related_name="observations")
    code = models.CharField(max_length=40)
    date = models.DateField(default=timezone.localdate)
    value = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    entered_value = models.FloatField(null=True, blank=True)
    entered_unit = models.CharField(max_length=20, blank=True)
    result = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["-date", "-id"]


class Photo(Voidable):
    dog = models.ForeignKey(Dog, on_delete=models.PROTECT, related_name="photos")
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    region = models.CharField(max_length=40, blank=True)
    taken_on = models.DateField(default=timezone.localdate)
    image = models.ImageField(upload_to="photos/%Y/%m/")
    thumbnail = models.ImageField(upload_to="thumbnails/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["-taken_on", "-id"]


class SavedAssessment(models.Model):
    """An assessment as it was shown, with the versions that produced it, so it can be replayed."""

    dog = models.ForeignKey(Dog, on_delete=models.PROTECT, related_name="assessments")
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    engine_version = models.CharField(max_length=20)
    knowledge_version = models.CharField(max_length=20)
    case = models.JSONField()
    assessment = models.JSONField()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created"]


class PlanItem(Voidable):
    """A treatment the vet accepted into the dog's plan, with the dose as prescribed."""

    dog = models.ForeignKey(Dog, on_delete=models.PROTECT, related_name="plan_items")
    treatment = models.CharField(max_length=40)
    drug = models.CharField(max_length=60, blank=True)
    dose_mg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    mg_per_kg = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    interval_hours = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    route = models.CharField(max_length=20, blank=True)
    product_strength_mg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    product_units = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    product_form = models.CharField(max_length=20, blank=True)
    instructions = models.TextField(blank=True)
    start = models.DateField(default=timezone.localdate)
    end = models.DateField(null=True, blank=True)
    taper_steps = models.JSONField(default=list, blank=True)
    from_assessment = models.ForeignKey(
        SavedAssessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["start", "id"]


class MonitoringItem(Voidable):
    """A due check derived from the plan; recording its result closes it."""

    dog = models.ForeignKey(Dog, on_delete=models.PROTECT, related_name="monitoring")
    plan_item = models.ForeignKey(
        PlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="monitoring"
    )
    kind = models.CharField(max_length=40)
    due = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Observation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["due", "id"]

    def state(self, today: Any) -> str:
        if self.done_on is not None:
            return "done"
        if self.due is None:
            return "unscheduled"
        if self.due < today:
            return "overdue"
        return "due" if self.due == today else "upcoming"
