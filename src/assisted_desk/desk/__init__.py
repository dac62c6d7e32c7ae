"""The desk: residents, consent and authority to act, contacts, the walk-in queue, callbacks. No Qt."""
