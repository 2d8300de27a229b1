from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dermawan.api"
    label = "api"
    verbose_name = "HTTP API"

    def ready(self) -> None:
        from dermawan.api import batch_effects
        from dermawan.donations import hooks

        # Webhook outbox rows and badge counts, in every engine batch's transaction.
        hooks.after_write(batch_effects.record)
