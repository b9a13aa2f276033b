"""Attachments, served only through these views: /files/<uuid>/ and its thumbnail."""

from django.urls import path

from renkei.attachments import views

app_name = "attachments"

urlpatterns = [
    path("<uuid:public_id>/", views.download, name="download"),
    path("<uuid:public_id>/thumbnail/", views.thumbnail, name="thumbnail"),
]
