import csv
import io

import pytest

from apps.identity.models import User
from deltalabs.admin_tools import csv_rows
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db


def test_csv_rows_streams_header_and_rows_following_relations():
    UserFactory(email="a@example.test", display_name="Ada")
    UserFactory(email="b@example.test", display_name="Bo")
    text = "".join(csv_rows(User.objects.order_by("email"), ["email", "display_name"]))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["email", "display_name"], ["a@example.test", "Ada"], ["b@example.test", "Bo"]]
