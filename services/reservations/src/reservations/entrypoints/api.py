"""HTTP routes of the reservations service: thin translators to the use cases."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
