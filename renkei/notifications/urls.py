"""The notification pages, mounted at /notifications/."""

from django.urls import path

from renkei.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.index, name="index"),
    path("read/", views.mark_all_read, name="mark_all_read"),
    path("settings/", views.email_settings, name="settings"),
    path("<int:notification_id>/", views.open_notification, name="open"),
    path("<int:notification_id>/read/", views.mark_read, name="mark_read"),
]
