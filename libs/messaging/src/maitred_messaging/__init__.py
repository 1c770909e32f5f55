"""Maitred's messaging runtime: outbox, relay, consumer with inbox, topology, health."""

from maitred_messaging.outbox import add_event, inbox_table, outbox_table

__all__ = ["add_event", "inbox_table", "outbox_table"]
