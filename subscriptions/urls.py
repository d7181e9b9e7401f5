from django.urls import path

from . import views, webhooks

app_name = "subscriptions"

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("subscriptions/<str:token>/", views.manage, name="manage"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/twilio/status", webhooks.twilio_status, name="twilio_status"),
    path("webhooks/twilio/inbound", webhooks.twilio_inbound, name="twilio_inbound"),
]
