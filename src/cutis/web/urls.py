from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cutis.web import views

urlpatterns = [
    path("health/", views.health, name="health"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("owner/", include("cutis.portal.urls")),
    path("", include("cutis.clinic.urls")),
]
