"""Inbound SMS (a Twilio-style webhook): STOP opts the phone out, START opts it back in."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response

from maitred_platform.logs import get_logger
from maitred_platform.phones import normalize_e164
from maitred_platform.problems import Problem
from notifier.entrypoints.deps import UnitOfWorkDep
from notifier.service import opt_outs

router = APIRouter()
log = get_logger(__name__)
PATH = "/sms/inbound"
EMPTY_REPLY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def provider_signature(auth_token: str, url: str, form: dict[str, str]) -> str:
    """Twilio's request signature: base64 HMAC-SHA1 over the URL and the sorted form fields."""
    signed = url + "".join(key + form[key] for key in sorted(form))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@router.post(PATH)
async def inbound_sms(request: Request, uow: UnitOfWorkDep) -> Response:
    settings = request.app.state.settings
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    if settings.sms_provider == "http":
        # Only the provider knows the auth token: anyone else could opt strangers out.
        url = settings.public_base_url.rstrip("/") + "/v1" + PATH
        expected = provider_signature(settings.sms_auth_token, url, form)
        given = request.headers.get("x-twilio-signature", "")
        if not hmac.compare_digest(expected, given):
            raise Problem(403, "The request is not signed by the SMS provider.")
    try:
        phone = normalize_e164(form.get("From", ""))
    except ValueError as exc:
        raise Problem(
            422,
            "The sender is not a phone number.",
            errors=[{"field": "From", "message": str(exc)}],
        ) from exc
    reply = await opt_outs.answer_reply(uow, phone, form.get("Body", ""))
    if reply.intent is not None:
        log.info("sms_reply", intent=reply.intent, restaurants=reply.restaurants)
    return Response(EMPTY_REPLY, media_type="text/xml")
