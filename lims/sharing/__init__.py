"""Share links: time-limited, revocable, read-only access for people without an account."""
