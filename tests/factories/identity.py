import factory

from apps.identity import services
from apps.identity.models import User

TEST_PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    display_name = factory.Faker("name")
    password = factory.django.Password(TEST_PASSWORD)
    is_active = True
    is_staff = False


class StaffFactory(UserFactory):
    """Staff with every permission (a superuser): tests of what staff may do
    at all. Tests of a role use ``RoleStaffFactory``."""

    is_staff = True
    is_superuser = True


class RoleStaffFactory(UserFactory):
    """Staff holding exactly the given roles: ``RoleStaffFactory(roles=["finance"])``
    (keys of ``apps.identity.roles.ROLES_BY_KEY``; none: staff without a role)."""

    is_staff = True
    is_superuser = False

    @factory.post_generation
    def roles(user, create, extracted, **kwargs):
        if create and extracted:
            services.staff_roles_grant(user_id=user.pk, role_keys=list(extracted))
