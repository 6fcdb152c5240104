"""`manage.py pii_rotate`: re-encrypt every stored name and contact, and every TOTP device's key,
that is not under the current key (the highest version in PII_KEYS) and cipher (PII_CIPHER). Add
the new key to PII_KEYS, run this, then remove the old key. Rows are rewritten by primary
key in batches; each batch is atomic."""
from django.conf import settings
from django.core.management.base import BaseCommand

from annotations.pii import keyring
from annotations.privacy import pii_rotate
from geoportal.audit.recorder import console_scope


class Command(BaseCommand):
    help = "Re-encrypt submitters' personal information and TOTP keys under the current PII key and cipher."

    def handle(self, *args, **options):
        with console_scope("pii_rotate"):
            counts = pii_rotate()
        ring = keyring()
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
        self.stdout.write(f"every value is now under key version {ring.current} ({settings.PII_CIPHER}); "
                          f"older versions may be removed from PII_KEYS")
