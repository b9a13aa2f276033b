"""Pages of a facility's pledges and education (R2.9) and its forms 1-3."""

from django.urls import path

from renkei.pledges import views

app_name = "pledges"

_pledges = "facilities/<uuid:public_id>/pledges/"

urlpatterns = [
    path(_pledges, views.console, name="console"),
    path(_pledges + "form1.pdf", views.form1, name="form1"),
    path(_pledges + "form3.pdf", views.form3, name="form3"),
    path(_pledges + "form3/signed/", views.form3_signed, name="form3_signed"),
    path(
        _pledges + "form3/<uuid:agreement_id>/document/",
        views.form3_document,
        name="form3_document",
    ),
    path(_pledges + "members/<uuid:member_id>/form2.pdf", views.form2, name="form2"),
    path(_pledges + "form<int:form>/signed/", views.signed, name="signed_manager"),
    path(_pledges + "form<int:form>/<uuid:member_id>/signed/", views.signed, name="signed"),
    path(_pledges + "form<int:form>/on-file/", views.on_file, name="on_file_manager"),
    path(_pledges + "form<int:form>/<uuid:member_id>/on-file/", views.on_file, name="on_file"),
    path(_pledges + "<uuid:pledge_id>/document/", views.document, name="document"),
    path(_pledges + "education/", views.education, name="education"),
]
