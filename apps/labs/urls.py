from django.urls import path

from apps.labs import views

urlpatterns = [
    path("labs", views.LabListView.as_view(), name="lab-list"),
    path("labs/<uuid:lab_id>", views.LabDetailView.as_view(), name="lab-detail"),
    path("labs/<uuid:lab_id>/availability", views.LabAvailabilityView.as_view(), name="lab-availability"),
    path("labs/<uuid:lab_id>/bookings", views.LabBookingCreateView.as_view(), name="lab-bookings"),
    path("bookings", views.BookingListView.as_view(), name="booking-list"),
    path("bookings/<uuid:booking_id>", views.BookingDetailView.as_view(), name="booking-detail"),
    path("bookings/<uuid:booking_id>/cancel", views.BookingCancelView.as_view(), name="booking-cancel"),
]
