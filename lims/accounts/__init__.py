"""Accounts: the facility's users."""
