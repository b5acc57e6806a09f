"""The invariants of the check constraints hold at the database on both
engines (SPEC 3.1): SQLite's CHECK, MongoDB's collection validators compiled
from the same ``Meta.constraints`` (``deltalabs.mongo_validators``).

The conditional updates guard these limits in the services; these tests write
around them, as a bug would, and expect the database to refuse.
"""

import pytest
from django.db import DatabaseError, connection
from django.db.models import F

from apps.catalog.models import Course
from apps.commerce.models import Sponsorship
from deltalabs import mongo_validators
from deltalabs.db import atomic
from deltalabs.testing.compile_gate import GATE_ALIAS
from tests.factories.catalog import CourseFactory
from tests.factories.commerce import SponsorshipFactory

NO_COLLMOD = "collection validators: mongoeco has no collMod, so migrate cannot apply them there"


def test_every_check_constraint_becomes_a_validator_clause():
    # Driven by the models' own constraints: a constraint that moves keeps its enforcement.
    for model in mongo_validators.constrained_models():
        validator = mongo_validators.validator_for(model, GATE_ALIAS)
        assert len(validator["$and"]) == len(mongo_validators.check_constraints(model)), model
    assert {model._meta.label for model in mongo_validators.constrained_models()} >= {
        "catalog.Course",
        "commerce.Sponsorship",
    }


def test_the_seat_validator_keeps_the_null_capacity_branch():
    validator = mongo_validators.validator_for(Course, GATE_ALIAS)
    assert "$or" in validator["$and"][0]  # unlimited capacity (null) passes, as SQL's CHECK lets it


@pytest.mark.emulator_cannot_judge(NO_COLLMOD)
@pytest.mark.django_db
def test_seats_taken_cannot_exceed_capacity():
    course = CourseFactory(capacity=2, seats_taken=2)
    # IntegrityError on SQLite, DocumentValidationFailure (121) on MongoDB; the error ends the transaction
    with pytest.raises(DatabaseError), atomic():
        Course.objects.filter(pk=course.pk).update(seats_taken=F("seats_taken") + 1)
    assert Course.objects.get(pk=course.pk).seats_taken == 2


@pytest.mark.emulator_cannot_judge(NO_COLLMOD)
@pytest.mark.django_db
def test_sponsorship_seats_used_cannot_exceed_seats_total():
    sponsorship = SponsorshipFactory(seats_total=1, seats_used=1)
    with pytest.raises(DatabaseError), atomic():
        Sponsorship.objects.filter(pk=sponsorship.pk).update(seats_used=F("seats_used") + 1)
    assert Sponsorship.objects.get(pk=sponsorship.pk).seats_used == 1


@pytest.mark.skipif(connection.vendor != "mongodb", reason="MongoDB only: validators are applied after migrate")
@pytest.mark.emulator_cannot_judge(NO_COLLMOD)
@pytest.mark.django_db
def test_migrate_applied_the_validators():
    options = connection.database.command("listCollections", filter={"name": Course._meta.db_table})
    assert options["cursor"]["firstBatch"][0]["options"]["validator"] == mongo_validators.validator_for(Course)
