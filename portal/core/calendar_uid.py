"""Calendar UIDs that belong to one installation of the portal.

A calendar program files every event under its UID: an invitation, an update or a
cancellation carrying a UID it already holds replaces (or cancels) that event.
UIDs used to be "checkin-<id>@partner-portal", the same on every installation, so
a staging site, a demo or a database reset, whose ids start again at 1, sent
invitations that overwrote or cancelled people's real meetings.

A UID is now "<kind>-<id>.<created>.<installation>@<host>":

- host: the host of PORTAL_URL, where this portal serves (staging and production
  differ even when one is a copy of the other's database);
- installation: 12 hex digits of an HMAC of the fixed label "calendar-uid" under
  SECRET_KEY, which every installation has of its own (from the environment, or
  generated once into instance/). One-way: the UID tells nothing about the key.
  Rotating SECRET_KEY changes the UIDs: events sent before are then no longer
  updated by later changes (people get the new ones beside them);
- created: when the row was made, in seconds. A reset database (or a restored
  one replayed against the same key) numbers its rows from 1 again, but never at
  the same moments, so a meeting #5 of the new database is not #5 of the old.

None of these change during a row's life, so an update or a cancel always finds
the event the first invitation made."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app

from portal.mail.links import DEVELOPMENT_URL


def installation() -> str:
    """This installation's part of every UID (derived from SECRET_KEY)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"calendar-uid", hashlib.sha256).hexdigest()[:12]


def host() -> str:
    """Where this portal serves: PORTAL_URL's host, else the first trusted host."""
    config = current_app.config
    if config.get("PORTAL_URL"):
        return urlsplit(config["PORTAL_URL"]).hostname or "localhost"
    if config.get("TRUSTED_HOSTS"):
        return config["TRUSTED_HOSTS"][0]
    return urlsplit(DEVELOPMENT_URL).hostname or "localhost"


def calendar_uid(kind: str, ident: int, created_at: datetime | None) -> str:
    """ "checkin-12.1796300000.3f9a0c1b2d4e@portal.example.org" (see the module)."""
    created = int(created_at.timestamp()) if created_at else 0
    return f"{kind}-{ident}.{created}.{installation()}@{host()}"
