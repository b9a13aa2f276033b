"""The account pages; their paths are public or password-change paths in the middleware."""

from django.urls import path

from renkei.accounts import views

app_name = "accounts"
urlpatterns = [
    path("signin/", views.sign_in, name="sign_in"),
    path("signout/", views.sign_out, name="sign_out"),
    path("signout/everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("password/change/", views.change_password, name="change_password"),
    path("password/reset/", views.reset_request, name="reset_request"),
    # Before the token pattern; a token is 43 characters and cannot be "sent".
    path("password/reset/sent/", views.reset_sent, name="reset_sent"),
    path("password/reset/<str:token>/", views.reset_confirm, name="reset_confirm"),
    path("activate/<str:token>/", views.activate, name="activate"),
    path("account/sessions/", views.sessions, name="sessions"),
    path("account/sessions/<str:session_id>/end/", views.end_session, name="end_session"),
    path("account/confirm/", views.confirm, name="confirm"),
]
