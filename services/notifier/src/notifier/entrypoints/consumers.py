"""Event handlers of the notifier service: each translates an event into a use case call."""

from maitred_messaging.consumer import EventHandlers

handlers = EventHandlers()
