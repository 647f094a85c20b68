from django.apps import AppConfig


class InteropConfig(AppConfig):
    """No models: an app only so its templates and the `export` command are found."""

    name = "cutis.interop"
    label = "interop"
    verbose_name = "Interoperability"
