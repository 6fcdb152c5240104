"""Name an administrator at the server's console: the way the first security and audit
administrators come to be (on the admin site, roles are the security administrator's work)."""
from django.core.management.base import BaseCommand, CommandError

from geoportal.accounts.models import User
from geoportal.audit.recorder import console_scope


class Command(BaseCommand):
    help = "Give a user one of the roles: " + ", ".join(User.Role.values)

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=User.Role.values)

    def handle(self, *args, username, role, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}; create one with `manage.py createsuperuser` first.")
        before = user.role
        user.role = role
        with console_scope("assign_role"):
            user.save()  # recorded in the audit trail as the console's (User.save)
        self.stdout.write(f"{username}: {before} -> {role} (their sessions were ended)")
