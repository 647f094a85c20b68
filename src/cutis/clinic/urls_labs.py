from django.urls import path

from cutis.clinic.views import labs, trends

urlpatterns = [
    path("dogs/<int:dog_id>/labs/", labs.lab_list, name="lab_list"),
    path("dogs/<int:dog_id>/labs/panel/", labs.lab_panel, name="lab_panel"),
    path("dogs/<int:dog_id>/labs/options/", labs.lab_options, name="lab_options"),
    path("dogs/<int:dog_id>/labs/values/new/", labs.lab_value_create, name="lab_value_create"),
    path("dogs/<int:dog_id>/labs/tests/new/", labs.lab_test_create, name="lab_test_create"),
    path("dogs/<int:dog_id>/labs/<int:observation_id>/void/", labs.lab_void, name="lab_void"),
    path("dogs/<int:dog_id>/trends/", trends.trends, name="trends"),
    path("dogs/<int:dog_id>/trends/<slug:slug>.svg", trends.trend_chart, name="trend_chart"),
]
