"""django-mongodb-backend, with decimals that keep their field's places.

The SQL engines store a ``DecimalField`` value rounded to its
``decimal_places`` and read it back that way (a score of 5 is ``5.00``).
django-mongodb-backend stores whatever ``Decimal`` it is given as a
Decimal128, which keeps its own exponent, so the same value reads back as
``5`` or ``5.00`` depending on who wrote it (a form, a computation, the
API). Everything that turns a decimal into text outside DRF (audit entries,
emails, assistant replies) would then differ between engines. Rounding to the
field's places on the way in and on the way out makes MongoDB behave like the
SQL engines; values already stored are fixed as they are read.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.backends import utils as backend_utils
from django_mongodb_backend.base import DatabaseWrapper as MongoDatabaseWrapper
from django_mongodb_backend.operations import DatabaseOperations as MongoDatabaseOperations


class DatabaseOperations(MongoDatabaseOperations):
    def adapt_decimalfield_value(self, value, max_digits=None, decimal_places=None):
        if value is not None and decimal_places is not None:
            value = Decimal(backend_utils.format_number(value, max_digits, decimal_places))
        return super().adapt_decimalfield_value(value, max_digits, decimal_places)

    def convert_decimalfield_value(self, value, expression, connection):
        value = super().convert_decimalfield_value(value, expression, connection)
        places = getattr(expression.output_field, "decimal_places", None)
        if isinstance(value, Decimal) and places is not None and value.is_finite():
            value = value.quantize(Decimal(1).scaleb(-places))
        return value


class DatabaseWrapper(MongoDatabaseWrapper):
    ops_class = DatabaseOperations
