"""Audit log pages for auditors."""
