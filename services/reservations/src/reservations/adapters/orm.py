"""The reservations schema: every table this service owns."""

from maitred_messaging import inbox_table, outbox_table
from sqlalchemy import MetaData

metadata = MetaData(schema="reservations")
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
