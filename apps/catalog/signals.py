"""The one event catalog sends to the domains above it.

Catalog sits below learning and never imports it; everything else learning
needs from catalog it asks for by calling down (services, repositories). One
fact travels up:

``course_capacity_changed(sender=Course, course_id=UUID)``
    Sent by ``services.course_update`` inside the transaction that changed a
    course's capacity. Learning's receiver
    (``apps.learning.receivers.fill_waitlist``, connected in
    ``LearningConfig.ready``) promotes waitlisted learners into the seats the
    new capacity freed, in that same transaction, so the promotion commits or
    rolls back with the change. Receivers run synchronously (``send``, not
    ``send_robust``): an error aborts the capacity change, and a receiver must
    never catch a database error and carry on (MongoDB has no savepoints).
"""

from django.dispatch import Signal

course_capacity_changed = Signal()
