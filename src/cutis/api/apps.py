from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cutis.api"
    label = "cutis_api"
    verbose_name = "Cutis API"
    default_auto_field = "django.db.models.BigAutoField"
