"""A software passkey (P-256, "none" attestation) that answers WebAuthn options as a browser
would, so the ceremonies can be tested without one; each answer can be bent to test refusals.
"""

from __future__ import annotations

import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url as b64
from webauthn.helpers import encode_cbor

UP, UV, AT = 0x01, 0x04, 0x40


class SoftAuthenticator:
    def __init__(self, origin: str, *, counts: bool = True):
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0
        self.counts = counts  # some authenticators (synced passkeys) always say 0

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return encode_cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, options: dict, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": options["challenge"],
                           "origin": origin or self.origin, "crossOrigin": False}).encode()

    def create(self, options_json: str, *, origin: str | None = None,
               rp_id: str | None = None) -> dict:
        """The answer to navigator.credentials.create(options), as passkeys.js posts it."""
        options = json.loads(options_json)
        rp_hash = hashlib.sha256((rp_id or options["rp"]["id"]).encode()).digest()
        auth_data = (rp_hash + bytes([UP | UV | AT]) + self.counter.to_bytes(4, "big")
                     + bytes(16) + len(self.credential_id).to_bytes(2, "big")
                     + self.credential_id + self._cose_key())
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id),
                "type": "public-key", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64(self._client_data("webauthn.create", options, origin)),
                             "attestationObject": b64(attestation), "transports": ["internal"]}}

    def get(self, options_json: str, *, origin: str | None = None, rp_id: str | None = None,
            counter: int | None = None) -> dict:
        """The answer to navigator.credentials.get(options): a signature over the challenge."""
        options = json.loads(options_json)
        if counter is None:
            self.counter += 1 if self.counts else 0
            counter = self.counter
        rp_hash = hashlib.sha256((rp_id or options["rpId"]).encode()).digest()
        auth_data = rp_hash + bytes([UP | UV]) + counter.to_bytes(4, "big")
        client_data = self._client_data("webauthn.get", options, origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id),
                "type": "public-key", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64(client_data), "authenticatorData": b64(auth_data),
                             "signature": b64(signature), "userHandle": None}}


def tampered(answer: dict, field: str) -> dict:
    """``answer`` with one byte of ``response[field]`` flipped."""
    from webauthn.helpers import base64url_to_bytes

    raw = bytearray(base64url_to_bytes(answer["response"][field]))
    raw[len(raw) // 2] ^= 0x01
    return {**answer, "response": {**answer["response"], field: b64(bytes(raw))}}
