from django.urls import path

from dermawan.site import donations, transparency, views

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("live/totals/", views.live_totals, name="live_totals"),
    path("projects/", views.projects, name="projects"),
    path("projects/<str:project_id>/", views.project, name="project"),
    path("charities/", views.charities, name="charities"),
    path("charities/<str:charity_id>/", views.charity, name="charity"),
    path("transparency/", transparency.transparency, name="transparency"),
    path("receipts/check/", views.receipt_check, name="receipt_check"),
    path("me/donations/", donations.donation_history, name="donations"),
    path(
        "me/donations/<str:order_id>/receipt.json",
        donations.receipt_download,
        name="receipt_download",
    ),
]
