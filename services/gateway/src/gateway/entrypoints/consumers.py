"""Event handlers of the gateway service: each translates an event into a use case call."""

from maitred_messaging.consumer import EventHandlers

handlers = EventHandlers()
