"""Mounted at api/v1/ by renkei.urls."""

from django.urls import path

from renkei.api.api import api

urlpatterns = [path("", api.urls)]
