#!/usr/bin/env python3
"""Verify a 揭榜挂帅 platform's public audit chain from outside — Python 3.9+ standard library only,
no project code: anyone can read this file in ten minutes and run it.

    python3 verify_chain.py https://SITE                                # the whole chain
    python3 verify_chain.py https://SITE --checkpoints saved.json       # and every head you saved

It downloads /audit/chain.json page by page (1,000 entries at a time, constant memory), recomputes
every entry's hash from the canonical JSON of its fields and its link to the entry before, and exits
0, or 1 naming the first broken entry. With --checkpoints (a copy of /audit/checkpoints.json saved
earlier) it checks each checkpoint's Ed25519 signature (against the key in your copy, see
--public-key) and that the chain still contains every saved head: removed entries (truncation), a
rewritten history or a fork all fail.

Canonical JSON: UTF-8, keys sorted, no whitespace, non-ASCII as itself; values strings, integers,
booleans, null (RFC 8785 for such values) = json.dumps(v, sort_keys=True, ensure_ascii=False,
separators=(",", ":")).

Entry hash, format 2:  SHA-256( prev_hash ‖ canonical({"v", "seq", "at", "action", "subject",
                                  "payload": payload_digest, "private": private_digest}) )
          format 1:  SHA-256( prev_hash ‖ canonical({"seq", "at", "actor", "actor_label", "action",
                                  "subject", "payload": payload_digest}) )
and payload_digest = SHA-256(canonical(payload)) whenever the payload is published.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

GENESIS = "0" * 64


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_hash(e: dict) -> str:
    if e.get("v", 1) >= 2:
        body = {"v": e["v"], "seq": e["seq"], "at": e["at"], "action": e["action"], "subject": e["subject"],
                "payload": e["payload_digest"], "private": e["private_digest"]}
    else:
        body = {"seq": e["seq"], "at": e["at"], "actor": e["actor"], "actor_label": e["actor_label"],
                "action": e["action"], "subject": e["subject"], "payload": e["payload_digest"]}
    return sha256(e["prev_hash"].encode() + canonical(body))


# --- Ed25519 signature check (RFC 8032, section 6: the reference algorithm) ---------------------------

_P = 2 ** 255 - 19
_Q = 2 ** 252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _add(a, b):
    x = (a[1] - a[0]) * (b[1] - b[0]) % _P
    y = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c = 2 * a[3] * b[3] * _D % _P
    d = 2 * a[2] * b[2] % _P
    e, f, g, h = y - x, d - c, d + c, y + x
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s, point):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result


def _recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 % _P == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
_G = (_GX, _GY, 1, _GX * _GY % _P)


def _decompress(data: bytes):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


def _same(a, b) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r = _decompress(public), _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _Q
    return _same(_mul(s, _G), _add(r, _mul(h, a)))


# --- checkpoints ----------------------------------------------------------------------------------------

class Refused(Exception):
    pass


def load_checkpoints(path: str, public_key_hex: str | None) -> dict[int, dict]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise Refused(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(f"{path} is not a checkpoint file (not JSON: {exc})") from None
    items = data.get("checkpoints") if isinstance(data, dict) else data
    key_hex = public_key_hex or (data.get("public_key") if isinstance(data, dict) else None)
    if not isinstance(items, list) or not items:
        raise Refused(f"{path} is not a checkpoint file (no checkpoints)")
    try:
        key = bytes.fromhex(key_hex or "")
    except ValueError:
        key = b""
    if len(key) != 32:
        raise Refused("no Ed25519 public key: give --public-key (64 hex characters, from /audit/checkpoints.json)")
    wanted = {}
    for i, c in enumerate(items, start=1):
        if not isinstance(c, dict) or not isinstance(c.get("seq"), int) or isinstance(c.get("seq"), bool) \
                or not all(isinstance(c.get(k), str) for k in ("hash", "at", "signature")):
            raise Refused(f"{path}: checkpoint {i} is not of the form {{seq, hash, at, signature}}")
        try:
            signature = bytes.fromhex(c["signature"])
        except ValueError:
            signature = b""
        if not ed25519_verify(key, canonical({"seq": c["seq"], "hash": c["hash"], "at": c["at"]}), signature):
            raise Refused(f"{path}: checkpoint {i} (#{c['seq']}): the signature does not match the key — "
                          "the file was altered, or signed by another key")
        wanted[c["seq"]] = c
    return wanted


# --- the chain ------------------------------------------------------------------------------------------

def fetch(url: str, timeout: float, tries: int = 3) -> dict:
    for attempt in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return json.load(response)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            if attempt == tries - 1:
                raise Refused(f"cannot fetch {url}: {exc}") from None
            time.sleep(1 + attempt)
        except ValueError as exc:
            raise Refused(f"{url} did not answer JSON: {exc}") from None
    raise Refused(f"cannot fetch {url}")


def verify(base_url: str, checkpoints: dict[int, dict] | None = None, timeout: float = 60,
           out=sys.stdout) -> int:
    base = base_url.rstrip("/")
    prev, expected, count = GENESIS, 1, 0
    url = f"{base}/audit/chain.json?after=0"
    seen_checkpoints = 0
    while url:
        page = fetch(url, timeout)
        for e in page.get("entries", []):
            seq = e.get("seq")
            if seq != expected:
                return _broken(out, expected, f"entry #{expected} is missing (the next one is #{seq})")
            if e.get("prev_hash") != prev:
                return _broken(out, seq, f"entry #{seq} does not link to the entry before it")
            if e.get("payload") is not None and sha256(canonical(e["payload"])) != e.get("payload_digest"):
                return _broken(out, seq, f"entry #{seq} has a payload that does not match its digest")
            try:
                recomputed = entry_hash(e)
            except (KeyError, TypeError, AttributeError):
                return _broken(out, seq, f"entry #{seq} is incomplete")
            if recomputed != e.get("hash"):
                return _broken(out, seq, f"entry #{seq} was altered (its hash does not match)")
            if checkpoints and seq in checkpoints:
                saved = checkpoints[seq]
                if saved["hash"] != e["hash"]:
                    return _broken(out, seq, f"entry #{seq} has hash {e['hash']} but the checkpoint saved at "
                                             f"{saved['at']} says {saved['hash']}: the chain was rewritten or forked")
                seen_checkpoints += 1
            prev, expected, count = e["hash"], seq + 1, count + 1
        url = page.get("next")
    if checkpoints:
        beyond = sorted(s for s in checkpoints if s >= expected)
        if beyond:
            return _broken(out, beyond[0], f"the chain ends at #{expected - 1} but a saved checkpoint is "
                                           f"#{beyond[0]}: entries were removed (truncated)")
    print(f"OK: {count} entries verified, head #{expected - 1} {prev}", file=out)
    if checkpoints:
        print(f"OK: all {seen_checkpoints} saved checkpoints are in the chain, signatures valid", file=out)
    return 0


def _broken(out, seq, problem: str) -> int:
    print(f"BROKEN at entry #{seq}: {problem}", file=out)
    return 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the platform's address, e.g. https://jiebang.example.gov.cn")
    parser.add_argument("--checkpoints", help="a copy of /audit/checkpoints.json saved earlier")
    parser.add_argument("--public-key", help="the district's Ed25519 public key in hex (default: the one in your copy)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per request (default 60)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        saved = load_checkpoints(args.checkpoints, args.public_key) if args.checkpoints else None
        code = verify(args.base_url, saved, args.timeout)
    except Refused as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    print(f"({time.monotonic() - started:.1f} s)", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
