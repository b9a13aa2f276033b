"""Two-factor pages: the second step under /signin/ (public), one's factors under /account/."""

from django.urls import path

from renkei.twofactor import views

app_name = "twofactor"
urlpatterns = [
    path("signin/verify/", views.verify, name="verify"),
    path(
        "signin/verify/passkey/options/",
        views.verify_passkey_options,
        name="verify_passkey_options",
    ),
    path("signin/verify/passkey/", views.verify_passkey, name="verify_passkey"),
    path("account/two-factor/", views.overview, name="overview"),
    path("account/two-factor/app/", views.add_totp, name="add_totp"),
    path("account/two-factor/app/remove/", views.remove_totp, name="remove_totp"),
    path(
        "account/two-factor/passkeys/options/",
        views.add_passkey_options,
        name="add_passkey_options",
    ),
    path("account/two-factor/passkeys/", views.add_passkey, name="add_passkey"),
    path(
        "account/two-factor/passkeys/<int:passkey_id>/remove/",
        views.remove_passkey,
        name="remove_passkey",
    ),
    path("account/two-factor/codes/", views.codes, name="codes"),
    path("account/two-factor/codes/regenerate/", views.regenerate_codes, name="regenerate_codes"),
    path("members/<str:public_id>/two-factor/reset/", views.reset, name="reset"),
]
