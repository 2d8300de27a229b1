from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "dermawan.catalog"
    label = "catalog"
    verbose_name = "catalog: charities, projects, merchants, pledges"
