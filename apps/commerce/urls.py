from django.urls import path

from apps.commerce import views

urlpatterns = [
    path("cart", views.CartView.as_view(), name="cart"),
    path("cart/items", views.CartItemsView.as_view(), name="cart-items"),
    path("cart/items/<uuid:course_id>", views.CartItemView.as_view(), name="cart-item"),
    path("orders", views.OrdersView.as_view(), name="orders"),
    path("orders/<uuid:order_id>", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<uuid:order_id>/refund", views.OrderRefundView.as_view(), name="order-refund"),
    path("sponsors", views.SponsorsView.as_view(), name="sponsors"),
    path("sponsors/<uuid:sponsor_id>", views.SponsorDetailView.as_view(), name="sponsor-detail"),
    path("sponsors/<uuid:sponsor_id>/sponsorships", views.SponsorshipsView.as_view(), name="sponsor-sponsorships"),
]
