from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "cutis.portal"
    label = "portal"
    verbose_name = "Owner portal"

    def ready(self) -> None:
        # the owner's itch scores join the vet's trends without the clinic app knowing the portal
        from cutis.clinic.services.charts import register_series
        from cutis.portal.services.diary import itch_series

        register_series("itch_score", itch_series)
