"""Fixtures for course-scoped features: a published course with one instructor,
one enrolled learner, a classmate and one outsider (signed in, no role)."""

import pytest

from tests.conftest import client_for
from tests.factories.courses import CourseFactory, CourseInstructorFactory, EnrollmentFactory
from tests.factories.identity import UserFactory


@pytest.fixture
def course(db):
    return CourseFactory()


@pytest.fixture
def instructor(course):
    return CourseInstructorFactory(course=course).user


@pytest.fixture
def learner(course):
    return EnrollmentFactory(course=course).user


@pytest.fixture
def classmate(course):
    return EnrollmentFactory(course=course).user


@pytest.fixture
def outsider(db):
    return UserFactory()


@pytest.fixture
def learner_client(learner):
    return client_for(learner)


@pytest.fixture
def instructor_client(instructor):
    return client_for(instructor)
