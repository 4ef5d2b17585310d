"""factory_boy factories for the shared core."""

import factory

from mobility.accounts.models import CostCentre, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class CostCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostCentre
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"KST-{n:04d}")
    name = factory.Sequence(lambda n: f"Cost centre {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"User {n}")
    email_verified = True

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            self.save()
