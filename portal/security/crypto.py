"""The one place for secrets at rest: AES-256-GCM field encryption and blind indexes.

A stored value is ``0x01 | len(key_id) | key_id | nonce(12) | ciphertext+tag``. The key id
lets keys rotate: decryption picks the key by id, encryption always uses the current key.
The associated data binds a value to its table, column and row, so a ciphertext copied
onto another participant's row fails to decrypt instead of silently moving.

Blind indexes are HMAC-SHA256 of a normalised value under a separate key: conflict checks
and email look-ups compare these, so matching never needs a plaintext name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
NONCE_BYTES = 12


class CryptoError(RuntimeError):
    """A value cannot be decrypted: wrong key, tampered bytes, or moved between rows."""


@dataclass(frozen=True)
class Keyring:
    """Data keys by id, one of them current, plus the blind-index key (and, while it changes,
    the previous ones, which look-ups still try)."""

    keys: dict[str, bytes]
    current: str
    index_key: bytes
    previous_index_keys: tuple[bytes, ...] = ()

    @classmethod
    def parse(cls, data_keys: str, index_key: str) -> Keyring:
        """Read ``"id1:base64,id2:base64"`` (the first is current) and ``"base64[,old-base64…]"``."""
        keys = parse_keys(data_keys, "DATA_KEYS")
        index_keys = [_decode_key(part.strip(), "BLIND_INDEX_KEY")
                      for part in index_key.split(",") if part.strip()]
        if not index_keys:
            raise CryptoError("BLIND_INDEX_KEY holds no key")
        return cls(keys=keys, current=next(iter(keys)), index_key=index_keys[0],
                   previous_index_keys=tuple(index_keys[1:]))

    @property
    def index_keys(self) -> tuple[bytes, ...]:
        return (self.index_key, *self.previous_index_keys)


def parse_keys(value: str, name: str, *, max_id: int = 32) -> dict[str, bytes]:
    """Keys by id from ``"id1:base64,id2:base64"``, in order (the first is the current one)."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id or len(key_id) > max_id:
            raise CryptoError(f"{name} must look like 'id:base64key,id2:base64key' "
                              f"(ids of at most {max_id} characters)")
        keys[key_id] = _decode_key(encoded, name)
    if not keys:
        raise CryptoError(f"{name} holds no key")
    return keys


def _decode_key(encoded: str, name: str) -> bytes:
    try:
        key = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise CryptoError(f"{name} is not valid base64") from exc
    if len(key) != 32:
        raise CryptoError(f"{name} must be 32 random bytes (256 bits), base64-encoded")
    return key


_keyring: Keyring | None = None


def configure(keyring: Keyring) -> None:
    """Install the process-wide keyring (called by the app factory)."""
    global _keyring
    _keyring = keyring


def keyring() -> Keyring:
    if _keyring is None:
        raise CryptoError("encryption keys are not configured")
    return _keyring


def new_key() -> str:
    """A fresh random key, base64-encoded, for DATA_KEYS, BLIND_INDEX_KEY or AUDIT_KEY."""
    return base64.b64encode(os.urandom(32)).decode()


def encrypt(plaintext: str, context: str) -> bytes:
    ring = keyring()
    key_id = ring.current.encode()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.current]).encrypt(nonce, plaintext.encode(), context.encode())
    return bytes([FORMAT_VERSION, len(key_id)]) + key_id + nonce + sealed


def key_id_of(token: bytes) -> str:
    """The id of the key that sealed ``token``."""
    if len(token) < 2 or token[0] != FORMAT_VERSION:
        raise CryptoError("unknown ciphertext format")
    return token[2 : 2 + token[1]].decode()


def decrypt(token: bytes, context: str) -> str:
    key_id = key_id_of(token)
    key = keyring().keys.get(key_id)
    if key is None:
        raise CryptoError(f"no key with id {key_id!r} in the keyring")
    body = token[2 + len(key_id.encode()) :]
    nonce, sealed = body[:NONCE_BYTES], body[NONCE_BYTES:]
    try:
        return AESGCM(key).decrypt(nonce, sealed, context.encode()).decode()
    except Exception as exc:  # InvalidTag: tampered, moved or wrong key
        raise CryptoError("a stored value failed its integrity check") from exc


def normalise_name(value: str) -> str:
    """Case, accents, punctuation and spacing folded, so 'Smith & Co.' meets 'smith and co'."""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    ignorable = {"llp", "lp", "llc", "inc", "ltd", "pc", "professional", "corporation", "the"}
    return " ".join(word for word in words if word not in ignorable)


def _index_digest(key: bytes, value: str, purpose: str) -> str:
    normalised = normalise_name(value) if purpose != "email" else value.strip().lower()
    return hmac.new(key, f"{purpose}:{normalised}".encode(), hashlib.sha256).hexdigest()


def blind_index(value: str, purpose: str) -> str:
    """Keyed hash of a normalised value; ``purpose`` keeps e.g. emails and names apart."""
    return _index_digest(keyring().index_key, value, purpose)


def blind_indexes(value: str, purpose: str) -> list[str]:
    """The value's blind index under every configured index key, the current one first.

    While BLIND_INDEX_KEY changes (``new,old``), stored indexes are of either key until
    ``flask crypto reindex`` has run: look-ups and comparisons use all of these.
    """
    return [_index_digest(key, value, purpose) for key in keyring().index_keys]


def key_check(key: bytes, label: str) -> str:
    """A keyed fingerprint of a constant: shows whether two keys are the same, reveals neither."""
    return hmac.new(key, f"portal key check:{label}".encode(), hashlib.sha256).hexdigest()[:32]


class EncryptedField:
    """Descriptor for a model attribute stored encrypted in a ``<name>_ct`` binary column.

    The row's UUID primary key is the associated data, so the model must have its id
    before the first assignment (``Base.__init__`` assigns it first).
    """

    def __set_name__(self, owner, name: str) -> None:
        self.name = name
        self.column = f"{name}_ct"

    def _context(self, obj) -> str:
        if obj.id is None:
            raise CryptoError("an encrypted field was set before the row had an id")
        return self.context_of(obj.__tablename__, obj.id)

    def context_of(self, table: str, row_id) -> str:
        """The associated data of this field in row ``row_id`` of ``table``."""
        return f"{table}.{self.name}.{row_id}"

    def read(self, owner, row_id, token: bytes | None) -> str | None:
        """The clear value of a ``<name>_ct`` column read without loading the model."""
        return None if token is None else decrypt(token, self.context_of(owner.__tablename__,
                                                                          row_id))

    def seal(self, owner, row_id, value: str | None) -> bytes | None:
        """The ``<name>_ct`` column for ``value`` in row ``row_id``, written without the model."""
        return None if not value else encrypt(value, self.context_of(owner.__tablename__,
                                                                     row_id))

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        token = getattr(obj, self.column)
        return None if token is None else decrypt(token, self._context(obj))

    def __set__(self, obj, value: str | None) -> None:
        if value is None or value == "":
            setattr(obj, self.column, None)
        else:
            setattr(obj, self.column, encrypt(value, self._context(obj)))

    def rotate(self, obj) -> bool:
        """Re-seal with the current key; True when the row changed."""
        token = getattr(obj, self.column)
        if token is None or key_id_of(token) == keyring().current:
            return False
        self.__set__(obj, self.__get__(obj))
        return True
