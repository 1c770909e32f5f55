"""HTTP routes of the gateway service: thin translators to the use cases."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
