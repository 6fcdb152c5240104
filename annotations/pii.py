"""Personal information at rest: submitters' names and contacts, encrypted field by field.

A stored value reads `pii1$<key version>$<cipher>$<base64 of nonce, ciphertext and tag>`. Keys come
from the environment (PII_KEYS: `version:base64key`, comma-separated; the highest version encrypts,
every listed one decrypts), the cipher from PII_CIPHER: aes-gcm (AES-256-GCM) or sm4 (SM4-GCM,
GB/T 32907), both through `cryptography`. Each value names its key and cipher, so a change of
either takes effect for new writes at once and for old rows with `manage.py pii_rotate`. The
empty string stays empty: "no contact given" is not personal information."""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "pii1"
CIPHERS = {"aes-gcm": (16, 24, 32), "sm4": (16,)}  # cipher -> key lengths (bytes) it takes
_NONCE = 12
_TAG = 16
_AAD = b"geoportal-pii"


class PiiError(ValueError):
    """A value that cannot be decrypted: unknown key version, or altered ciphertext."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[int, bytes]
    current: int


def parse_keys(entries: list[str]) -> dict[int, bytes]:
    keys = {}
    for entry in entries:
        version, sep, encoded = entry.partition(":")
        if not sep or not version.strip().isdigit():
            raise ImproperlyConfigured(f"PII_KEYS entries are version:base64key, not {entry[:12]!r}...")
        try:
            keys[int(version)] = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error as exc:
            raise ImproperlyConfigured(f"PII_KEYS key version {version} is not base64.") from exc
    return keys


@cache
def _keyring(entries: tuple[str, ...], secret_key: str, debug: bool) -> Keyring:
    keys = parse_keys(list(entries))
    if not keys:
        if not debug:
            raise ImproperlyConfigured("Set PII_KEYS (version:base64key,...) to store personal information.")
        keys = {0: hashlib.sha256(f"pii-development|{secret_key}".encode()).digest()}  # DEBUG only
    return Keyring(keys, max(keys))


def keyring() -> Keyring:
    return _keyring(tuple(settings.PII_KEYS), settings.SECRET_KEY, settings.DEBUG)


def _sm4_gcm(key: bytes, nonce: bytes, data: bytes, *, tag: bytes | None = None) -> bytes:
    if tag is None:
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(_AAD)
        return encryptor.update(data) + encryptor.finalize() + encryptor.tag
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(_AAD)
    return decryptor.update(data) + decryptor.finalize()


def pii_encrypt(plaintext: str, *, cipher: str | None = None) -> str:
    if not plaintext:
        return ""
    ring = keyring()
    cipher = cipher or settings.PII_CIPHER
    key = ring.keys[ring.current]
    if len(key) not in CIPHERS.get(cipher, ()):
        raise ImproperlyConfigured(f"PII key version {ring.current} does not fit {cipher} (see `manage.py check`).")
    nonce = os.urandom(_NONCE)
    data = plaintext.encode()
    sealed = AESGCM(key).encrypt(nonce, data, _AAD) if cipher == "aes-gcm" else _sm4_gcm(key, nonce, data)
    return f"{PREFIX}${ring.current}${cipher}${base64.b64encode(nonce + sealed).decode()}"


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX + "$")


def token_key(value: str) -> tuple[int, str]:
    """(key version, cipher) of a stored value."""
    _, version, cipher, _ = value.split("$", 3)
    return int(version), cipher


def pii_decrypt(value: str) -> str:
    if not value or not is_encrypted(value):
        return value  # empty, or a row from before encryption that the migration has not reached
    try:
        _, version, cipher, payload = value.split("$", 3)
        key = keyring().keys[int(version)]
        raw = base64.b64decode(payload, validate=True)
    except (ValueError, KeyError, binascii.Error) as exc:
        raise PiiError(f"A personal-information value needs key version {value.split('$')[1:2]} that PII_KEYS "
                       "does not hold.") from exc
    nonce, sealed = raw[:_NONCE], raw[_NONCE:]
    try:
        if cipher == "aes-gcm":
            return AESGCM(key).decrypt(nonce, sealed, _AAD).decode()
        if cipher == "sm4":
            return _sm4_gcm(key, nonce, sealed[:-_TAG], tag=sealed[-_TAG:]).decode()
    except InvalidTag as exc:
        raise PiiError("A personal-information value was altered or belongs to another key.") from exc
    raise PiiError(f"Unknown cipher {cipher!r} in a personal-information value.")


class EncryptedTextField(models.TextField):
    """Text encrypted before it is written and decrypted when read. Lookups on it compare
    ciphertexts, which differ at every write: only `isnull` and the empty string mean anything,
    so nothing filters or searches on these fields (docs/security.md "Personal information")."""

    def from_db_value(self, value, expression, connection):
        return pii_decrypt(value) if value is not None else None

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else pii_encrypt(value)  # even text that looks encrypted
