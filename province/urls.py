"""The dashboard page, signing in to it, and its monthly figures as files (``views``)."""

from django.urls import path

from province import views

app_name = "province"

urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.xlsx", views.export_xlsx, name="export-xlsx"),
]
