"""Webhook subscriptions over REST (`/api/webhooks/…`, tokens and managers) and the staff page."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.api.serializers import ErrorSerializer
from layers.changes.dispatch import webhooks_enqueue
from layers.changes.feed import CursorError
from layers.changes.models import Delivery, Subscription
from layers.changes.selectors import parse_since
from layers.changes.services import (
    SubscriptionError,
    subscription_create,
    subscription_delete,
    subscription_redeliver,
    subscription_update,
    subscriptions_for,
)
from layers.changes.signing import REPLAY_WINDOW, SIGNATURE_HEADER
from layers.permissions import can_own_webhooks, layers_for


class SubscriptionSerializer(serializers.ModelSerializer):
    layer = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Subscription
        fields = ["id", "kind", "layer", "url", "active", "disabled_reason", "consecutive_failures",
                  "next_attempt_at", "cursor", "created_at"]


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once: verifies the Geoportal-Signature header")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class SubscriptionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Subscription.Kind.choices)
    layer = serializers.CharField(required=False, allow_blank=True, help_text="Layer slug (kind layer)")
    url = serializers.URLField(max_length=500)
    since = serializers.CharField(required=False, allow_blank=True,
                                  help_text="A feed cursor to start after (default: from now)")


class SubscriptionUpdateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    active = serializers.BooleanField(required=False, help_text="true re-enables and forgets past failures")


class RedeliverSerializer(serializers.Serializer):
    since = serializers.CharField(allow_blank=True, help_text="Deliver again everything after this cursor "
                                  "(a delivery's `since`); empty: from the start")


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "attempted_at", "since", "until", "events", "status_code", "duration_ms", "succeeded", "error"]


def _owner(request):
    if not request.user.is_authenticated:
        raise NotAuthenticated("Sign in or send an API token to manage webhooks.")
    if not can_own_webhooks(request.user):
        raise ApiPermissionDenied("Only department managers and API tokens may subscribe to changes.")
    return request.user


def _subscription(request, pk: int) -> Subscription:
    subscription = subscriptions_for(principal=_owner(request)).filter(pk=pk).first()
    if subscription is None:
        raise NotFound("No such webhook of yours.")
    return subscription


def _bad(message: str) -> Response:
    return Response({"detail": message}, status=400)


class SubscriptionList(APIView):
    @extend_schema(summary="Your webhook subscriptions", responses={200: SubscriptionSerializer(many=True)})
    def get(self, request):
        return Response(SubscriptionSerializer(subscriptions_for(principal=_owner(request)), many=True).data)

    @extend_schema(summary=f"Subscribe a receiver to a layer's changes or to annotation events (signed with "
                           f"{SIGNATURE_HEADER}; docs/changes.md)",
                   request=SubscriptionInputSerializer,
                   responses={201: SubscriptionCreatedSerializer, 400: ErrorSerializer, 403: ErrorSerializer})
    def post(self, request):
        principal = _owner(request)
        data = SubscriptionInputSerializer(data=request.data)
        if not data.is_valid():
            return Response({"detail": "Invalid subscription.", "errors": data.errors}, status=400)
        try:
            since = parse_since(data.validated_data.get("since")) if data.validated_data.get("since") else None
            subscription = subscription_create(principal=principal, kind=data.validated_data["kind"],
                                               url=data.validated_data["url"],
                                               layer_slug=data.validated_data.get("layer", ""), since=since)
        except (SubscriptionError, CursorError) as exc:
            return _bad(str(exc))
        except PermissionDenied as exc:
            raise ApiPermissionDenied(str(exc)) from exc
        return Response(SubscriptionCreatedSerializer(subscription).data, status=201)


class SubscriptionDetail(APIView):
    @extend_schema(summary="One webhook subscription", responses={200: SubscriptionSerializer})
    def get(self, request, pk: int):
        return Response(SubscriptionSerializer(_subscription(request, pk)).data)

    @extend_schema(summary="Change the receiver, or switch deliveries off and on",
                   request=SubscriptionUpdateSerializer, responses={200: SubscriptionSerializer, 400: ErrorSerializer})
    def patch(self, request, pk: int):
        subscription = _subscription(request, pk)
        data = SubscriptionUpdateSerializer(data=request.data)
        if not data.is_valid():
            return Response({"detail": "Invalid change.", "errors": data.errors}, status=400)
        try:
            subscription_update(subscription=subscription, principal=request.user, **data.validated_data)
        except SubscriptionError as exc:
            return _bad(str(exc))
        if subscription.active:
            webhooks_enqueue([subscription.pk])
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(summary="Unsubscribe", responses={204: None})
    def delete(self, request, pk: int):
        subscription_delete(subscription=_subscription(request, pk), principal=request.user)
        return Response(status=204)


class DeliveryList(APIView):
    @extend_schema(summary="The last 100 deliveries: status codes, timings, errors",
                   responses={200: DeliverySerializer(many=True)})
    def get(self, request, pk: int):
        deliveries = _subscription(request, pk).deliveries.all()[:100]
        return Response(DeliverySerializer(deliveries, many=True).data)


class Redeliver(APIView):
    @extend_schema(summary="Deliver again from a cursor", request=RedeliverSerializer,
                   responses={202: SubscriptionSerializer, 400: ErrorSerializer})
    def post(self, request, pk: int):
        subscription = _subscription(request, pk)
        try:
            since = parse_since(str(request.data.get("since", "")))
        except CursorError as exc:
            return _bad(str(exc))
        subscription_redeliver(subscription=subscription, principal=request.user, since=since)
        webhooks_enqueue([subscription.pk])
        subscription.refresh_from_db()
        return Response(SubscriptionSerializer(subscription).data, status=202)


@login_required
def staff_page(request):
    """A manager's webhooks: subscribe, see each one's deliveries, switch on and off, redeliver."""
    if not can_own_webhooks(request.user):
        raise Http404("Webhooks are for department managers.")
    created = None
    if request.method == "POST":
        created = _staff_action(request)
        if created is None:
            return HttpResponseRedirect(reverse("webhook-page"))
    subscriptions = list(subscriptions_for(principal=request.user))
    for subscription in subscriptions:
        subscription.recent = list(subscription.deliveries.all()[:10])
    return render(request, "changes/webhooks.html", {
        "subscriptions": subscriptions, "created": created, "signature_header": SIGNATURE_HEADER,
        "replay_window": REPLAY_WINDOW,
        "layers": layers_for(request.user, "view").filter(kind="vector").order_by("slug"),
        "kinds": Subscription.Kind.choices,
    })


def _staff_action(request) -> Subscription | None:
    """Handle the page's forms; returns a subscription just created (its secret is shown once)."""
    action = request.POST.get("action")
    try:
        if action == "create":
            return subscription_create(principal=request.user, kind=request.POST.get("kind", ""),
                                       url=request.POST.get("url", "").strip(),
                                       layer_slug=request.POST.get("layer", ""))
        subscription = subscriptions_for(principal=request.user).filter(pk=request.POST.get("id") or 0).first()
        if subscription is None:
            raise Http404("No such webhook of yours.")
        if action in ("enable", "disable"):
            subscription_update(subscription=subscription, principal=request.user, active=action == "enable")
        elif action == "redeliver":
            subscription_redeliver(subscription=subscription, principal=request.user,
                                   since=parse_since(request.POST.get("since", "")))
        elif action == "delete":
            subscription_delete(subscription=subscription, principal=request.user)
            return None
        else:
            messages.error(request, "Unknown action.")
            return None
        if subscription.active:
            webhooks_enqueue([subscription.pk])
        messages.success(request, "Done.")
    except (SubscriptionError, CursorError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    return None
