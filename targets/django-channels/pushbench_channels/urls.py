from django.urls import path

from . import views

urlpatterns = [
    path("publish/<slug:room>", views.publish),
    path("poll/<slug:room>", views.poll),
    path("ready", views.ready),
    path("stats", views.stats),
]
