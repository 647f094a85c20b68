from django.urls import path

from cutis.portal.views import links, owner

app_name = "portal"

urlpatterns = [
    path("", owner.home, name="home"),
    path("dogs/<int:dog_id>/", owner.dog_page, name="dog"),
    path("dogs/<int:dog_id>/done/", owner.task_done, name="task_done"),
    path("dogs/<int:dog_id>/diary/", owner.diary, name="diary"),
    path("dogs/<int:dog_id>/photos/<int:photo_id>/", owner.photo, name="photo"),
    path("dogs/<int:dog_id>/handout.pdf", owner.handout, name="handout"),
    path("calendar/", links.calendar, name="calendar"),
    path("calendar/<str:token>.ics", links.feed, name="feed"),
    path("invitation/<str:token>/", links.accept, name="accept"),
    path("staff/dogs/<int:dog_id>/invite/", links.invite, name="invite"),
]
