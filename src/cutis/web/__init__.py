"""The Django project: settings, URLs and WSGI entry point for the clinic web app."""
