"""Webhooks API: a unit's signed webhook endpoints (managed by its members who may
`change` it), their delivery log, a test event and retrying a delivery now.

The secret (`whsec_…`, Standard Webhooks) is returned once, on create and on rotate.
"""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from vigil.core.pagination import PageNumberPagination

from .. import concurrency, directory
from ..actors import api_actor
from ..notify import webhooks
from .schemas import UnitRef

router = Router(tags=["webhooks"])

DeliveryStatus = Literal["pending", "delivered", "failed", "gave_up"]


class WebhookOut(Schema):
    id: int
    unit: UnitRef
    unit_id: int = Field(description="Deprecated (one release): `unit.id`")
    unit_code: str = Field(description="Deprecated (one release): `unit.code`")
    name: str
    url: str
    kinds: list[str] = Field(description="Notification kinds sent; empty: every kind")
    include_descendants: bool
    is_active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_unit_code(obj) -> str:
        return obj.unit.code


class WebhookSecretOut(WebhookOut):
    secret: str = Field(description="The signing secret: shown this once only")


class WebhookIn(Schema):
    unit_id: int
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=500, description="http(s) URL, without credentials")
    kinds: list[str] = Field([], description="Notification kind codes; empty: every kind")
    include_descendants: bool = False
    is_active: bool = True


class WebhookPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    url: str | None = Field(None, min_length=1, max_length=500)
    kinds: list[str] | None = None
    include_descendants: bool | None = None
    is_active: bool | None = None


class DeliveryOut(Schema):
    id: int
    webhook_id: int
    event_id: str
    kind: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    payload: dict

    @staticmethod
    def resolve_webhook_id(obj) -> int:
        return obj.endpoint_id


class DeliveryFilter(Schema):
    status: DeliveryStatus | None = None


class WebhookFilter(Schema):
    unit_id: int | None = None


def _with_secret(ep, secret):
    ep.secret = secret  # the one answer that carries it
    return ep


def _unit(request, unit_id):
    return directory.unit_ref(request.auth, unit_id, field="unit_id")


@router.get("/webhooks", response=list[WebhookOut], summary="Webhook endpoints of the units you manage")
def webhook_list(request, filters: Query[WebhookFilter]):
    unit = _unit(request, filters.unit_id) if filters.unit_id else None
    return list(webhooks.endpoint_list(user=request.auth, unit=unit))


@router.post("/webhooks", response={201: WebhookSecretOut},
             summary="Register a unit's webhook endpoint; the signing secret is returned once")
def webhook_create(request, payload: WebhookIn):
    data = payload.dict()
    unit = _unit(request, data.pop("unit_id"))
    ep, secret = webhooks.endpoint_create(actor=api_actor(request), unit=unit, **data)
    return Status(201, _with_secret(ep, secret))


@router.get("/webhooks/{int:webhook_id}", response=WebhookOut, summary="One webhook endpoint")
def webhook_get(request, webhook_id: int):
    return concurrency.tag(request, webhooks.endpoint_get(user=request.auth, webhook_id=webhook_id))


@router.patch("/webhooks/{int:webhook_id}", response=WebhookOut,
              summary="Change an endpoint (name, url, kinds, descendants; is_active enables or disables it)")
def webhook_update(request, webhook_id: int, payload: WebhookPatch):
    ep = webhooks.endpoint_get(user=request.auth, webhook_id=webhook_id)
    version = concurrency.if_match(request, ep)
    return concurrency.tag(request, webhooks.endpoint_update(actor=api_actor(request), endpoint=ep, version=version,
                                                             **payload.dict(exclude_unset=True)))


@router.delete("/webhooks/{int:webhook_id}", response={204: None}, summary="Delete an endpoint and its delivery log")
def webhook_delete(request, webhook_id: int):
    ep = webhooks.endpoint_get(user=request.auth, webhook_id=webhook_id)
    webhooks.endpoint_delete(actor=api_actor(request), endpoint=ep)
    return Status(204, None)


@router.post("/webhooks/{int:webhook_id}/rotate-secret", response=WebhookSecretOut,
             summary="Replace the signing secret; the new one is returned once")
def webhook_rotate(request, webhook_id: int):
    ep = webhooks.endpoint_get(user=request.auth, webhook_id=webhook_id)
    ep, secret = webhooks.endpoint_rotate_secret(actor=api_actor(request), endpoint=ep)
    return _with_secret(ep, secret)


@router.post("/webhooks/{int:webhook_id}/test", response=DeliveryOut, summary="Send a test event now; returns its delivery")
def webhook_test(request, webhook_id: int):
    ep = webhooks.endpoint_get(user=request.auth, webhook_id=webhook_id)
    return webhooks.endpoint_send_test(actor=api_actor(request), endpoint=ep)


@router.get("/webhooks/{int:webhook_id}/deliveries", response=list[DeliveryOut],
            summary="The delivery log of an endpoint, newest first")
@paginate(PageNumberPagination, page_size=50)
def delivery_list(request, webhook_id: int, filters: Query[DeliveryFilter]):
    ep = webhooks.endpoint_get(user=request.auth, webhook_id=webhook_id)
    return webhooks.delivery_list(user=request.auth, endpoint=ep, status=filters.status)


@router.get("/webhooks/{int:webhook_id}/deliveries/{int:delivery_id}", response=DeliveryOut, summary="One delivery")
def delivery_get(request, webhook_id: int, delivery_id: int):
    ep = webhooks.endpoint_get(user=request.auth, webhook_id=webhook_id)
    return webhooks.delivery_get(user=request.auth, delivery_id=delivery_id, endpoint=ep)


@router.post("/webhooks/{int:webhook_id}/deliveries/{int:delivery_id}/retry", response=DeliveryOut,
             summary="Retry a failed (or given-up) delivery now")
def delivery_retry(request, webhook_id: int, delivery_id: int):
    ep = webhooks.endpoint_get(user=request.auth, webhook_id=webhook_id)
    d = webhooks.delivery_get(user=request.auth, delivery_id=delivery_id, endpoint=ep)
    return webhooks.delivery_retry(actor=api_actor(request), delivery=d)
