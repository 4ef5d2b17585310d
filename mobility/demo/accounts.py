"""The demo accounts: one per role. Their passwords are printed; demo only."""

from __future__ import annotations

from dataclasses import dataclass

from mobility.accounts.models import CostCentre, User

DEMO_DOMAIN = "demo.lindenau.example"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    display_name: str
    roles: tuple[str, ...]


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(f"anna@{DEMO_DOMAIN}", "anna-demo-2026", "Anna", ("resident",)),
    DemoAccount(f"ben@{DEMO_DOMAIN}", "ben-demo-2026", "Ben", ("resident",)),
    DemoAccount(f"carla@{DEMO_DOMAIN}", "carla-demo-2026", "Carla", ("resident", "member")),
    DemoAccount(f"stefan@{DEMO_DOMAIN}", "stefan-demo-2026", "Stefan (Rathaus)", ("resident", "staff")),
    DemoAccount(f"olga@{DEMO_DOMAIN}", "olga-demo-2026", "Olga (Betrieb)", ("resident", "operator")),
)

DEMO_COST_CENTRES = (("KST-1100", "Hauptamt"), ("KST-6300", "Bauhof"), ("KST-4500", "Soziales"))


def create_demo_accounts() -> list[User]:
    """Create (or reset) the demo accounts; idempotent."""
    for code, name in DEMO_COST_CENTRES:
        CostCentre.objects.update_or_create(code=code, defaults={"name": name, "active": True})
    hauptamt = CostCentre.objects.get(code="KST-1100")
    users = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first() or User(email=account.email)
        user.display_name = account.display_name
        user.email_verified = True
        user.is_member = "member" in account.roles
        user.is_town_staff = "staff" in account.roles
        user.is_operator = "operator" in account.roles
        user.is_superuser = "operator" in account.roles
        user.cost_centre = hauptamt if user.is_town_staff else None
        user.set_password(account.password)
        user.save()
        users.append(user)
    return users
