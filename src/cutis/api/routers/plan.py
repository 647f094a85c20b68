"""The treatment plan: accept a treatment of the assessment, dose it, taper it, void it.

Changing the plan is a vet's act (403 for anyone else), as in the web app; everyone who sees the
dog reads it. The dose is computed by the plan service's calculator from mg/kg, the weight and a
product the clinic's market sells, as the web's dose calculator does.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field, StrictInt

from cutis.api.errors import READ, WRITE
from cutis.api.fields import Day, Entry, Note, Number, OneOf, VoidIn, record_id
from cutis.api.public_formats import treatment_ids
from cutis.api.scope import caller, standing_one
from cutis.clinic.models import ROUTE_CHOICES, Dog, PlanItem
from cutis.clinic.services.cases import knowledge, latest_visit
from cutis.clinic.services.plan import (
    TAPER,
    PlanChange,
    PlanError,
    TaperChoice,
    accept_treatment,
    calculate_plan_dose,
    change_plan_item,
    dose_text,
    products_for,
    store_taper,
    void_plan_item,
)

router = Router(tags=["plan"])
DOG_ID = record_id("The dog's id")
ITEM_ID = record_id("The plan item's id")

Treatment = Annotated[str, OneOf(treatment_ids())]
Drug = Annotated[str, OneOf(("", *knowledge().drugs))]
Route = Annotated[str, OneOf(("", *(route for route, _ in ROUTE_CHOICES)))]


class TaperStep(Schema):
    step: int
    from_day: int
    date: str
    until: str | None
    mg: float
    interval_hours: float
    units: float | None


class PlanItemOut(Schema):
    id: int
    treatment: str
    drug: str
    dose_mg: float | None
    mg_per_kg: float | None
    interval_hours: float | None
    route: str
    product_strength_mg: float | None
    product_units: float | None
    product_form: str
    dose_text: str
    instructions: str
    start: datetime.date
    end: datetime.date | None
    taper_steps: list[TaperStep]
    from_assessment_id: int | None


class AcceptIn(Entry):
    treatment: Treatment
    drug: Drug = Field("", description="one of the treatment's drug options; empty: the first")


class ChangeIn(Entry):
    mg_per_kg: Number | None = Field(None, description="recalculates the dose when given")
    weight_kg: Number | None = Field(None, description="default: the latest visit's weight")
    product: str = Field(
        "", max_length=40, description="a product key such as '5 tablet'; empty: measure the dose"
    )
    interval_hours: Number | None = None
    route: Route = ""
    start: Day
    end: Day | None = None
    instructions: Note = ""


class TaperIn(Entry):
    start: Day
    start_mg: Number
    interval_hours: Number
    step_percent: Number
    step_days: StrictInt = Field(ge=1, le=365)
    smallest_step_mg: Number


def _plain(value: Any) -> float | None:
    return None if value is None else float(value)


def item_out(item: PlanItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "treatment": item.treatment,
        "drug": item.drug,
        "dose_mg": _plain(item.dose_mg),
        "mg_per_kg": _plain(item.mg_per_kg),
        "interval_hours": _plain(item.interval_hours),
        "route": item.route,
        "product_strength_mg": _plain(item.product_strength_mg),
        "product_units": _plain(item.product_units),
        "product_form": item.product_form,
        "dose_text": dose_text(item),
        "instructions": item.instructions,
        "start": item.start,
        "end": item.end,
        "taper_steps": item.taper_steps,
        "from_assessment_id": item.from_assessment_id,
    }


def _item(dog: Dog, item_id: int) -> PlanItem:
    return standing_one(dog.plan_items.all(), item_id, "no such plan item")


@router.get(
    "/dogs/{dog_id}/plan", response={200: list[PlanItemOut], **READ}, operation_id="list_plan"
)
def list_plan(request: HttpRequest, dog_id: int = DOG_ID) -> Any:
    dog = caller(request).dog(dog_id)
    items = dog.plan_items.filter(voided_at__isnull=True).order_by("start", "id")
    return [item_out(item) for item in items]


@router.post(
    "/dogs/{dog_id}/plan", response={201: PlanItemOut, **WRITE}, operation_id="accept_treatment"
)
def accept(request: HttpRequest, payload: AcceptIn, dog_id: int = DOG_ID) -> Any:
    """Accept a recommended or considered treatment of today's assessment, with its dose.

    The assessment is saved with the item, so the item points at exactly what was accepted.
    """
    who = caller(request)
    vet = who.prescriber()
    item = accept_treatment(
        who.dog(dog_id),
        treatment_id=payload.treatment,
        drug=payload.drug,
        accepted_by=vet.user,
        on=timezone.localdate(),
    )
    return Status(201, item_out(item))


@router.put(
    "/dogs/{dog_id}/plan/{item_id}",
    response={200: PlanItemOut, **WRITE},
    operation_id="change_plan_item",
)
def change(
    request: HttpRequest, payload: ChangeIn, dog_id: int = DOG_ID, item_id: int = ITEM_ID
) -> Any:
    """Set the dose (from mg/kg), interval, route, dates and instructions of a plan item."""
    who = caller(request)
    vet = who.prescriber()
    dog = who.dog(dog_id)
    item = _item(dog, item_id)
    dose = None
    if payload.mg_per_kg is not None:
        if not item.drug:
            raise PlanError("mg_per_kg", f"{item.treatment} has no drug to dose")
        products = {p.key: p for p in products_for(item.drug, vet.clinic.market)}
        if payload.product and payload.product not in products:
            offered = ", ".join(products) or "none"
            raise PlanError("product", f"{payload.product!r} is not sold here (offered: {offered})")
        weight = payload.weight_kg
        if weight is None:
            visit = latest_visit(dog)
            if visit is None:
                raise PlanError("weight_kg", "no visit records a weight: give weight_kg")
            weight = float(visit.weight_kg)
        dose = calculate_plan_dose(payload.mg_per_kg, weight, products.get(payload.product))
    change = PlanChange(
        dose=dose,
        interval_hours=payload.interval_hours,
        route=payload.route,
        start=payload.start,
        end=payload.end,
        instructions=payload.instructions,
    )
    return item_out(change_plan_item(item, change))


@router.post(
    "/dogs/{dog_id}/plan/{item_id}/taper",
    response={200: PlanItemOut, **WRITE},
    operation_id="store_taper",
)
def taper(
    request: HttpRequest, payload: TaperIn, dog_id: int = DOG_ID, item_id: int = ITEM_ID
) -> Any:
    """Store a dated glucocorticoid taper on the item; it stops on the day the dose reaches 0 mg."""
    who = caller(request)
    who.prescriber()
    item = _item(who.dog(dog_id), item_id)
    if item.treatment != TAPER:
        raise PlanError("__all__", "only a glucocorticoid taper plan item takes a taper")
    choice = TaperChoice(
        start=payload.start,
        start_mg=payload.start_mg,
        interval_hours=payload.interval_hours,
        step_percent=payload.step_percent,
        step_days=payload.step_days,
        smallest_step_mg=payload.smallest_step_mg,
    )
    return item_out(store_taper(item, choice))


@router.post(
    "/dogs/{dog_id}/plan/{item_id}/void",
    response={200: PlanItemOut, **WRITE},
    operation_id="void_plan_item",
)
def void(
    request: HttpRequest, payload: VoidIn, dog_id: int = DOG_ID, item_id: int = ITEM_ID
) -> Any:
    """Void a plan item with a reason, and the monitoring still open for it."""
    who = caller(request)
    vet = who.prescriber()
    item = _item(who.dog(dog_id), item_id)
    return item_out(void_plan_item(item, reason=payload.reason, voided_by=vet.user))
