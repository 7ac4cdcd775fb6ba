"""What anyone can verify: the signed checkpoints of the audit chain and the district's public key."""

from __future__ import annotations

from flask import Blueprint, Response

from marketplace.domain.core import checkpoints

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/checkpoints.json")
def checkpoints_json():
    """The last entry of each day and the current head, each signed (Ed25519): save a copy."""
    return checkpoints.published()


@bp.get("/public-key")
def public_key():
    """The district's Ed25519 public key (PEM) that signs the checkpoints."""
    return Response(checkpoints.public_key_pem(), mimetype="text/plain")
