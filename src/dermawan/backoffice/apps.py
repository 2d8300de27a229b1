from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "dermawan.backoffice"
    label = "backoffice"
    verbose_name = "back office"

    def ready(self) -> None:
        from dermawan.backoffice import pledge_totals
        from dermawan.donations import hooks

        # What each pledge made, kept in every engine batch's transaction.
        hooks.after_write(pledge_totals.record)
