from django.urls import path

from cutis.clinic.views import lesions, photos

VISIT = "dogs/<int:dog_id>/visits/<int:visit_id>"
LESION = "dogs/<int:dog_id>/lesions/<int:lesion_id>"
PHOTOS = "dogs/<int:dog_id>/photos"

urlpatterns = [
    path(f"{VISIT}/lesions/", lesions.body_map, name="body_map"),
    path(f"{VISIT}/lesions/panel/", lesions.body_map_panel, name="body_map_panel"),
    path(f"{VISIT}/regions/<slug:region>/", lesions.lesion_create, name="lesion_create"),
    path(f"{LESION}/edit/", lesions.lesion_edit, name="lesion_edit"),
    path(f"{LESION}/void/", lesions.lesion_void, name="lesion_void"),
    path(f"{PHOTOS}/", photos.photo_list, name="photo_list"),
    path(f"{PHOTOS}/new/", photos.photo_upload, name="photo_upload"),
    path(f"{PHOTOS}/compare/", photos.photo_compare, name="photo_compare"),
    path(f"{PHOTOS}/<int:photo_id>/image/", photos.photo_image, name="photo_image"),
    path(f"{PHOTOS}/<int:photo_id>/thumbnail/", photos.photo_thumbnail, name="photo_thumbnail"),
    path(f"{PHOTOS}/<int:photo_id>/void/", photos.photo_void, name="photo_void"),
]
