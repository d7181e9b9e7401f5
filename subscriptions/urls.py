from django.urls import path

from . import views, webhooks

app_name = "subscriptions"

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("subscribe/verify/<str:token>/", views.verify_phone, name="verify_phone"),
    path("subscriptions/<str:token>/", views.manage, name="manage"),
    path("subscriptions/<str:token>/delete/", views.delete, name="delete"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/twilio/status", webhooks.twilio_status, name="twilio_status"),
    path("webhooks/twilio/inbound", webhooks.twilio_inbound, name="twilio_inbound"),
]
