"""Permissions, encryption, passwords, sessions, headers and the audit log."""
