from django.urls import path

from cutis.interop import views

# included by cutis.clinic.urls, so the names are clinic:... and in the permission matrix
urlpatterns = [
    path("dogs/<int:dog_id>/fhir/", views.dog_fhir, name="dog_fhir"),
    path("dogs/<int:dog_id>/fhir/import/", views.dog_fhir_import, name="dog_fhir_import"),
    path("labs/import/", views.lab_csv_import, name="lab_csv_import"),
    path("export/", views.clinic_export_download, name="clinic_export"),
]
