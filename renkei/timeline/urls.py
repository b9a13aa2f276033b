"""Pages and form targets of the timeline: posts, replies, 了解, versions and the read mark."""

from django.urls import path

from renkei.timeline import views

app_name = "timeline"

_post = "posts/<uuid:post_id>/"

urlpatterns = [
    path("spaces/<uuid:space_id>/posts/", views.create_post, name="create_post"),
    path("spaces/<uuid:space_id>/read/", views.read, name="read"),
    path(_post, views.post_detail, name="post"),
    path(_post + "replies/", views.create_reply, name="reply"),
    path(_post + "edit/", views.edit_post, name="edit"),
    path(_post + "delete/", views.delete_post, name="delete"),
    path(_post + "ack/", views.acknowledge, name="ack"),
    path(_post + "acks/", views.acks, name="acks"),
    path(_post + "versions/", views.versions, name="versions"),
]
