from django.apps import AppConfig


class DonationsConfig(AppConfig):
    name = "dermawan.donations"
    label = "donations"
    verbose_name = "Goods for Good donations"
