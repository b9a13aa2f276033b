"""Pages of a patient group's consent (R3.2)."""

from django.urls import path

from renkei.consents import views

app_name = "consents"

_consent = "spaces/<uuid:space_id>/consent/"

urlpatterns = [
    path(_consent, views.consent, name="consent"),
    path(_consent + "record/", views.record, name="record"),
    path(_consent + "withdraw/", views.withdraw, name="withdraw"),
    path(_consent + "form4.pdf", views.form4, name="form4"),
    path(_consent + "<uuid:consent_id>/document/", views.document, name="document"),
]
