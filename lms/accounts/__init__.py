"""Accounts: sign-up, sign-in, password reset, profiles and roles."""
