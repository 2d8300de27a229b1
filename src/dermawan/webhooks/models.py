"""Outgoing webhooks: endpoints, the transactional outbox, deliveries and attempts.

Saleor-style: a ``Message`` is what happened (written in the same database
transaction as the change that caused it, so no committed change goes
unannounced and no rolled-back one is announced); a ``Delivery`` is that
message on its way to one endpoint; an ``Attempt`` is one try. Times are
integer microseconds since the epoch (dermawan.core.instants).
"""

from __future__ import annotations

from django.db import models

DONATION_CONFIRMED = "donation.confirmed"
DONATION_REVERSED = "donation.reversed"
# Emitted by settlement (not built yet) through ``outbox.enqueue``.
PAYOUT_PAID = "payout.paid"
EVENT_TYPES = (DONATION_CONFIRMED, DONATION_REVERSED, PAYOUT_PAID)


class Endpoint(models.Model):
    """A URL the marketplace registered, with the secret that signs what goes to it."""

    url = models.CharField(max_length=2000)
    # The event types it receives (a subset of EVENT_TYPES).
    events = models.JSONField(default=list)
    # The signing secret, sealed with the server's key (dermawan.webhooks.sealing).
    secret_sealed = models.TextField()
    description = models.CharField(max_length=200, blank=True, default="")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.url


class Message(models.Model):
    """One event to announce; ids are allocated in bulk by the writer."""

    type = models.CharField(max_length=40)
    # The event's ``data`` object as JSON text.
    data = models.TextField()
    created_at_us = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class Delivery(models.Model):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    STATUSES = [(PENDING, "pending"), (DELIVERED, "delivered"), (DEAD, "dead-lettered")]

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    attempts = models.IntegerField(default=0)
    created_at_us = models.BigIntegerField()
    next_attempt_at_us = models.BigIntegerField()
    # A worker that claimed the delivery holds it until then (crash-safe claims).
    lease_until_us = models.BigIntegerField(default=0)
    last_status_code = models.IntegerField(null=True)
    last_error = models.TextField(blank=True, default="")
    finished_at_us = models.BigIntegerField(null=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at_us"], name="delivery_due")]

    def __str__(self) -> str:
        return f"delivery {self.pk} of message {self.message_id} to endpoint {self.endpoint_id}"


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="tries")
    at_us = models.BigIntegerField()
    status_code = models.IntegerField(null=True)
    error = models.TextField(blank=True, default="")
    duration_ms = models.IntegerField()

    def __str__(self) -> str:
        return f"attempt {self.pk} of delivery {self.delivery_id}"
