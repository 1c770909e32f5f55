"""Maitred Notifier service."""
