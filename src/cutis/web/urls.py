from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cutis.api.cds import cds
from cutis.api.v1 import api
from cutis.web import views

urlpatterns = [
    path("health/", views.health, name="health"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("owner/", include("cutis.portal.urls")),
    path("api/v1/", api.urls),
    path("account/api-tokens/", include("cutis.api.urls")),
    path("", include("cutis.clinic.urls")),
    # CDS Hooks fixes its paths at {base}/cds-services: mounted at the root, after the clinic's
    # pages, so the dashboard keeps "/" (ninja's empty root view behind it is never reached)
    path("", cds.urls),
]
