"""The core: configuration, database, security, audit. Never imports Qt."""
