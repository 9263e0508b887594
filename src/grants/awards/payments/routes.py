"""HTTP routes of payment requests (Mittelabrufe)."""

import uuid

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from grants.awards.payments import service
from grants.awards.payments.schemas import PaymentRequestIn, PaymentRequestPublic, RefusalIn
from grants.context import UserContext
from grants.http.guards import BEARER, MANAGERS
from grants.http.versioning import IfMatch, with_etag


class ApplicationPaymentController(Controller):
    path = "/api/applications/{application_id:uuid}/payment-requests"
    tags = ["awards"]
    security = BEARER

    @get(operation_id="listPaymentRequests", summary="The award's payment requests")
    async def list_payments(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> list[PaymentRequestPublic]:
        return await service.list_payments(context, application_id)

    @post(
        operation_id="requestPayment",
        summary="Request a payment from a fiscal year's annual amount (the recipient)",
        status_code=HTTP_201_CREATED,
    )
    async def request_payment(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[PaymentRequestIn],
        context: NamedDependency[UserContext],
    ) -> Response[PaymentRequestPublic]:
        created = await service.request_payment(context, application_id, data)
        return with_etag(created, HTTP_201_CREATED)


class PaymentController(Controller):
    path = "/api/payment-requests/{payment_id:uuid}"
    tags = ["awards"]
    security = BEARER

    @get(operation_id="getPaymentRequest", summary="One payment request")
    async def get_payment(
        self, payment_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> Response[PaymentRequestPublic]:
        return with_etag(await service.get_payment(context, payment_id))

    @post(
        "/certification",
        operation_id="certifyPaymentRequest",
        summary="Certify as factually and arithmetically correct (managers; needs If-Match)",
        guards=[MANAGERS],
    )
    async def certify(
        self,
        payment_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[PaymentRequestPublic]:
        return with_etag(await service.certify(context, payment_id, if_match=if_match))

    @post(
        "/order",
        operation_id="orderPayment",
        summary="Order the payment: a second manager, never the certifier (needs If-Match)",
        guards=[MANAGERS],
    )
    async def order(
        self,
        payment_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[PaymentRequestPublic]:
        return with_etag(await service.order(context, payment_id, if_match=if_match))

    @post(
        "/refusal",
        operation_id="refusePaymentRequest",
        summary="Refuse the request with a reason (managers; needs If-Match)",
        guards=[MANAGERS],
    )
    async def refuse(
        self,
        payment_id: FromPath[uuid.UUID],
        data: JSONBody[RefusalIn],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[PaymentRequestPublic]:
        return with_etag(await service.refuse(context, payment_id, data, if_match=if_match))


CONTROLLERS: list[type[Controller]] = [ApplicationPaymentController, PaymentController]
