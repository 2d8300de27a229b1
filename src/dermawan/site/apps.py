from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "dermawan.site"
    label = "site"
    verbose_name = "Public site"
