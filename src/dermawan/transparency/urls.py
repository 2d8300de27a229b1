"""The transparency pages, under /receipts/ (dermawan.urls)."""

from django.urls import URLPattern, path

from dermawan.transparency import views

app_name = "transparency"
urlpatterns: list[URLPattern] = [path("verify", views.verify_receipt, name="verify")]
