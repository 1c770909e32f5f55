"""The notifier's unit of work: one transaction, its repositories, and the events it writes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from maitred_messaging.unit_of_work import SqlUnitOfWork
from notifier.adapters.event_contracts import to_contract
from notifier.adapters.notifications import SqlDeliveries, SqlNotifications
from notifier.adapters.opt_outs import SqlOptOuts
from notifier.adapters.orm import inbox
from notifier.adapters.reminders import SqlReminders
from notifier.adapters.restaurants import SqlContacts, SqlRestaurants
from notifier.adapters.webhooks import SqlWebhooks
from notifier.service.repositories import (
    ContactRepository,
    DeliveryRepository,
    NotificationRepository,
    OptOutRepository,
    ReminderRepository,
    RestaurantRepository,
    WebhookRepository,
)


class NotifierUnitOfWork(SqlUnitOfWork):
    restaurants: RestaurantRepository
    contacts: ContactRepository
    notifications: NotificationRepository
    deliveries: DeliveryRepository
    opt_outs: OptOutRepository
    webhooks: WebhookRepository
    reminders: ReminderRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession] | AsyncSession) -> None:
        super().__init__(sessions, to_contract, inbox=inbox)

    def _start(self) -> None:
        session = self.session
        self.restaurants = SqlRestaurants(session)
        self.contacts = SqlContacts(session)
        self.notifications = SqlNotifications(session)
        self.deliveries = SqlDeliveries(session)
        self.opt_outs = SqlOptOuts(session)
        self.webhooks = SqlWebhooks(session)
        self.reminders = SqlReminders(session)
