"""Staff cockpit for commerce: orders (refunds), carts, sponsors, sponsorships.

Money and decisions are read-only here: a refund or an approval goes through
its service (same rules, same transaction, same emails as everywhere else),
never through editing a field.
"""

from django.contrib import admin

from apps.commerce import repositories
from apps.commerce.models import (
    Cart,
    CartItem,
    Order,
    OrderItem,
    Payment,
    Sponsor,
    SponsorMember,
    Sponsorship,
    SponsorshipRedemption,
)
from apps.commerce.services import orders as order_services
from apps.commerce.services import sponsors as sponsor_services
from deltalabs.admin_base import DeltaModelAdmin
from deltalabs.admin_tools import export_csv_action, run_bulk_action


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ("course", "price", "discount", "enrollment", "sponsorship")
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("kind", "status", "provider", "reference", "amount", "currency", "response_summary", "created_at")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(DeltaModelAdmin):
    list_display = ("number", "buyer", "status", "total_shown", "created_at", "paid_at")
    list_filter = ("status", "created_at")
    list_select_related = ("user",)
    search_fields = ("=number", "user__email")  # see get_search_results
    search_help_text = "An order number, or the start of the buyer's email."
    date_hierarchy = "created_at"
    raw_id_fields = ("user",)
    show_full_result_count = False
    ordering = ("-created_at",)
    inlines = (OrderItemInline, PaymentInline)
    readonly_fields = (
        "number",
        "user",
        "status",
        "subtotal",
        "discount",
        "total",
        "currency",
        "idempotency_key",
        "payment_reference",
        "failure_code",
        "refund_reason",
        "created_at",
        "paid_at",
        "failed_at",
        "refunded_at",
    )
    actions = (
        "refund_orders",
        export_csv_action(
            [
                "number",
                "user__email",
                "status",
                "subtotal",
                "discount",
                "total",
                "currency",
                "created_at",
                "paid_at",
                "refunded_at",
                "payment_reference",
            ]
        ),
    )

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return repositories.order_search(queryset, search_term), False

    @admin.display(description="buyer", ordering="user__email")
    def buyer(self, order: Order) -> str:
        return order.user.email

    @admin.display(description="total", ordering="total")
    def total_shown(self, order: Order) -> str:
        return f"{order.total} {order.currency}"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("commerce.refund_order")

    @admin.action(description="Refund selected paid orders (cancels their enrollments)", permissions=["refund"])
    def refund_orders(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda order_id: order_services.order_refund(
                actor=request.user, order_id=order_id, reason=f"Refunded in the admin by {request.user.email}"
            ),
            verb="Refunded",
        )


class CartItemInline(ReadOnlyInline):
    model = CartItem
    fields = ("course", "price", "currency", "added_at")
    readonly_fields = fields


@admin.register(Cart)
class CartAdmin(DeltaModelAdmin):
    list_display = ("user", "status", "item_count", "currency", "updated_at")
    list_filter = ("status",)
    list_select_related = ("user",)
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
    show_full_result_count = False
    readonly_fields = ("user", "status", "currency", "item_count", "version", "created_at", "updated_at")
    inlines = (CartItemInline,)

    def has_add_permission(self, request) -> bool:
        return False


class SponsorMemberInline(admin.TabularInline):
    model = SponsorMember
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Sponsor)
class SponsorAdmin(DeltaModelAdmin):
    list_display = ("name", "status", "contact_email", "website", "created_at", "reviewed_at")
    list_filter = ("status",)
    search_fields = ("name", "contact_email")
    raw_id_fields = ("created_by", "reviewed_by")
    show_full_result_count = False
    readonly_fields = ("status", "created_by", "reviewed_by", "reviewed_at", "created_at", "updated_at")
    inlines = (SponsorMemberInline,)
    actions = (
        "approve_sponsors",
        "reject_sponsors",
        export_csv_action(["name", "status", "contact_email", "website", "created_at", "reviewed_at"]),
    )

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("commerce.review_sponsor")

    @admin.action(description="Approve selected applications (emails the contact)", permissions=["review"])
    def approve_sponsors(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda sponsor_id: sponsor_services.sponsor_approve(actor=request.user, sponsor_id=sponsor_id),
            verb="Approved",
        )

    @admin.action(description="Reject selected applications (emails the contact)", permissions=["review"])
    def reject_sponsors(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda sponsor_id: sponsor_services.sponsor_reject(actor=request.user, sponsor_id=sponsor_id),
            verb="Rejected",
        )


@admin.register(Sponsorship)
class SponsorshipAdmin(DeltaModelAdmin):
    list_display = ("sponsor", "course", "status", "seats", "code", "created_at")
    list_filter = ("status",)
    list_select_related = ("sponsor", "course")
    search_fields = ("=code", "sponsor__name", "course__title")
    autocomplete_fields = ("sponsor",)
    raw_id_fields = ("course", "requested_by", "reviewed_by")
    show_full_result_count = False
    date_hierarchy = "created_at"
    readonly_fields = ("status", "code", "seats_used", "reviewed_by", "reviewed_at", "created_at", "updated_at")
    actions = (
        "approve_sponsorships",
        "reject_sponsorships",
        export_csv_action(
            ["sponsor__name", "course__title", "status", "seats_total", "seats_used", "code", "created_at"]
        ),
    )

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("commerce.review_sponsorship")

    @admin.display(description="seats used", ordering="seats_used")
    def seats(self, sponsorship: Sponsorship) -> str:
        return f"{sponsorship.seats_used} / {sponsorship.seats_total}"

    @admin.action(
        description="Approve selected sponsorships (issues codes, emails the requester)", permissions=["review"]
    )
    def approve_sponsorships(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda sponsorship_id: sponsor_services.sponsorship_approve(
                actor=request.user, sponsorship_id=sponsorship_id
            ),
            verb="Approved",
        )

    @admin.action(description="Reject selected sponsorships", permissions=["review"])
    def reject_sponsorships(self, request, queryset):
        run_bulk_action(
            self,
            request,
            queryset,
            lambda sponsorship_id: sponsor_services.sponsorship_reject(
                actor=request.user, sponsorship_id=sponsorship_id
            ),
            verb="Rejected",
        )


@admin.register(SponsorshipRedemption)
class SponsorshipRedemptionAdmin(DeltaModelAdmin):
    list_display = ("user", "sponsor", "course", "order", "created_at")
    list_select_related = ("sponsorship__sponsor", "sponsorship__course", "user", "order")
    search_fields = ("user__email", "=sponsorship__code")
    raw_id_fields = ("sponsorship", "user", "enrollment", "order")
    show_full_result_count = False
    readonly_fields = ("sponsorship", "user", "enrollment", "order", "created_at")
    actions = (export_csv_action(["sponsorship__code", "sponsorship__sponsor__name", "user__email", "created_at"]),)

    @admin.display(description="sponsor", ordering="sponsorship__sponsor__name")
    def sponsor(self, redemption: SponsorshipRedemption) -> str:
        return redemption.sponsorship.sponsor.name

    @admin.display(description="course")
    def course(self, redemption: SponsorshipRedemption) -> str:
        return redemption.sponsorship.course.title

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
