"""HTTP routes of the notifier service: thin translators to the use cases."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
