import factory

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
    is_staff = True
