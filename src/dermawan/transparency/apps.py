from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "dermawan.transparency"
    label = "transparency"
    verbose_name = "transparency log"

    def ready(self) -> None:
        from dermawan.donations import hooks
        from dermawan.transparency import recording

        # A leaf per donation effect, in every engine batch's transaction.
        hooks.after_write(recording.record_effects)
