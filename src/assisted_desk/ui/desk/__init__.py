"""The Desk area: finding a resident, serving them, logging the contact."""
