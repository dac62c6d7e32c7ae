"""Qt widgets only: every decision is a call to a service in the packages beside this one."""
