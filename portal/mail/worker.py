"""The `flask outbox deliver --loop` worker: pass after pass, and while the mail
server as a whole is unavailable, one growing wait for the whole worker instead
of a pass that charges every email an attempt (see portal/mail/delivery.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import current_app
from sqlalchemy.exc import OperationalError

from portal.core.extensions import db
from portal.mail.delivery import DeliveryResult, deliver_pending


def outage_wait(failed_passes: int, base: float, cap: float) -> float:
    """Seconds to wait after the `failed_passes`-th pass in a row that found the
    server unavailable: base, 2 x base, 4 x base ... at most cap."""
    return min(base * 2 ** min(failed_passes - 1, 30), cap)


def run(
    worker: str,
    batch: int | None,
    stop: threading.Event,
    echo: Callable[..., None],
    report: Callable[[DeliveryResult], None],
    sleep: Callable[[float], object] | None = None,
) -> None:
    """Deliver until `stop` is set. `sleep` waits (default: until `stop`, at
    most that long); `echo(text, err=...)` says what happens."""
    sleep = sleep or stop.wait
    config = current_app.config
    failed_passes, down_since = 0, 0.0
    while not stop.is_set():
        try:
            result = deliver_pending(worker=worker, batch=batch, stop=stop)
        except OperationalError as error:
            # The database is restarting or unreachable: a worker outlives that.
            # What it had claimed comes back to it (or another) when the lease ends.
            echo(f"Database unavailable, trying again: {error.orig}", err=True)
            result = None
        finally:
            db.session.remove()  # nothing cached between passes
        if result is not None and result.sent + result.failed:
            report(result)
        if result is not None and result.server_down:
            failed_passes += 1
            if failed_passes == 1:  # once per outage, not once a pass
                down_since = time.monotonic()
                echo(
                    f"Mail server unavailable ({result.server_down}); the email waits, "
                    "no attempt used. Trying again in growing waits, at most "
                    f"{config['OUTBOX_OUTAGE_MAX_SECONDS']:g} s.",
                    err=True,
                )
            sleep(
                outage_wait(
                    failed_passes,
                    config["OUTBOX_OUTAGE_SECONDS"],
                    config["OUTBOX_OUTAGE_MAX_SECONDS"],
                )
            )
            continue
        if failed_passes and result is not None and result.claimed:
            echo(
                f"Mail server back after {time.monotonic() - down_since:.0f} s "
                f"({failed_passes} tries)."
            )
            failed_passes = 0
        if result is None or not result.claimed:
            sleep(config["OUTBOX_IDLE_SECONDS"])
