from django.urls import include, path

from cutis.clinic.views import dashboard, records

app_name = "clinic"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("dogs/", records.dog_list, name="dog_list"),
    path("dogs/new/", records.dog_create, name="dog_create"),
    path("dogs/<int:dog_id>/", records.dog_detail, name="dog_detail"),
    path("dogs/<int:dog_id>/visits/new/", records.visit_create, name="visit_create"),
    path("dogs/<int:dog_id>/medications/new/", records.medication_create, name="medication_create"),
    # each feature owns its URL module
    path("", include("cutis.clinic.urls_lesions")),
    path("", include("cutis.clinic.urls_labs")),
    path("", include("cutis.clinic.urls_plan")),
    path("", include("cutis.interop.urls")),
]
