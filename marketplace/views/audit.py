"""What anyone can verify: the public audit chain, its signed checkpoints and the district's public key."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for

from marketplace.domain.core import audit, checkpoints

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/checkpoints.json")
def checkpoints_json():
    """The last entry of each day and the current head, each signed (Ed25519): save a copy."""
    return checkpoints.published()


@bp.get("/public-key")
def public_key():
    """The district's Ed25519 public key (PEM) that signs the checkpoints."""
    return Response(checkpoints.public_key_pem(), mimetype="text/plain")


CHAIN_PAGE = 1000


@bp.get("/chain.json")
def chain_json():
    """The chain as the public may see it, 1,000 entries a page after `?after=<seq>`: personal data and
    sealed content are replaced by their digests, so every hash still verifies
    (`python3 scripts/verify_chain.py BASE_URL`)."""
    after = request.args.get("after", 0, type=int)
    if after is None or after < 0:
        abort(404)
    entries = audit.public_entries(after, CHAIN_PAGE + 1)
    more = len(entries) > CHAIN_PAGE
    entries = entries[:CHAIN_PAGE]
    seq, head = audit.head()
    return {
        "format": "README.md#what-the-public-can-verify-and-how", "after": after, "head": {"seq": seq, "hash": head},
        "entries": entries,
        "next": url_for("audit.chain_json", after=entries[-1]["seq"], _external=True) if more else None,
    }
