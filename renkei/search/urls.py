"""The search page, mounted at /search/."""

from django.urls import path

from renkei.search import views

app_name = "search"
urlpatterns = [path("", views.index, name="index")]
