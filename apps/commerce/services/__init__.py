"""Commerce use cases, one module per area:

- ``cart``: the open cart (``cart_get``, ``cart_add_item``, ``cart_remove_item``, ``cart_clear``);
- ``checkout``: cart -> paid order in two phases, and the reconciliation of
  orders left pending (``order_checkout``, ``orders_reconcile``);
- ``orders``: reading, refunds, cart expiry (``order_list``, ``order_get``, ``order_refund``, ...);
- ``sponsors``: sponsors, sponsorships, codes and redemption.

The names below are the public API other domains (the AI assistant, learning's
sponsorship hook, admin actions, tasks) call; each is defined in its module.
"""

from apps.commerce.services.cart import cart_add_item, cart_clear, cart_get, cart_remove_item
from apps.commerce.services.checkout import CardPayment, order_checkout, orders_reconcile
from apps.commerce.services.orders import (
    carts_expire_stale,
    order_get,
    order_list,
    order_refund,
)
from apps.commerce.services.sponsors import (
    sponsor_apply,
    sponsor_approve,
    sponsor_get,
    sponsor_list,
    sponsor_reject,
    sponsorship_approve,
    sponsorship_list,
    sponsorship_redeem,
    sponsorship_reject,
    sponsorship_request,
)

__all__ = [
    "CardPayment",
    "cart_add_item",
    "cart_clear",
    "cart_get",
    "cart_remove_item",
    "carts_expire_stale",
    "order_checkout",
    "order_get",
    "order_list",
    "order_refund",
    "orders_reconcile",
    "sponsor_apply",
    "sponsor_approve",
    "sponsor_get",
    "sponsor_list",
    "sponsor_reject",
    "sponsorship_approve",
    "sponsorship_list",
    "sponsorship_redeem",
    "sponsorship_reject",
    "sponsorship_request",
]
