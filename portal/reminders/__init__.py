"""Reminders: the daily run that chases deadlines, reviews and sign-offs, sends
the progress reports due and the digests; and the board's "send a reminder now"."""
