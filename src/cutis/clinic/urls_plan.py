from django.urls import path

from cutis.clinic.views import assessment, plan

urlpatterns = [
    path("dogs/<int:dog_id>/assessment/", assessment.assessment, name="assessment"),
    path("dogs/<int:dog_id>/assessment/save/", assessment.assessment_save, name="assessment_save"),
    path(
        "dogs/<int:dog_id>/assessment/alerts/",
        assessment.assessment_alerts,
        name="assessment_alerts",
    ),
    path(
        "dogs/<int:dog_id>/assessments/<int:saved_id>/",
        assessment.assessment_saved,
        name="assessment_saved",
    ),
    path("dogs/<int:dog_id>/plan/", plan.plan, name="plan"),
    path("dogs/<int:dog_id>/plan/accept/", plan.plan_accept, name="plan_accept"),
    path("dogs/<int:dog_id>/plan/<int:item_id>/edit/", plan.plan_item_edit, name="plan_item_edit"),
    path("dogs/<int:dog_id>/plan/<int:item_id>/void/", plan.plan_item_void, name="plan_item_void"),
    path("dogs/<int:dog_id>/plan/<int:item_id>/taper/", plan.plan_taper, name="plan_taper"),
    path(
        "dogs/<int:dog_id>/plan/<int:item_id>/taper/print/",
        plan.plan_taper_print,
        name="plan_taper_print",
    ),
    path("dogs/<int:dog_id>/monitoring/", plan.monitoring, name="monitoring"),
    path(
        "dogs/<int:dog_id>/monitoring/generate/",
        plan.monitoring_generate,
        name="monitoring_generate",
    ),
    path(
        "dogs/<int:dog_id>/monitoring/<int:item_id>/due/",
        plan.monitoring_due,
        name="monitoring_due",
    ),
    path(
        "dogs/<int:dog_id>/monitoring/<int:item_id>/done/",
        plan.monitoring_done,
        name="monitoring_done",
    ),
]
