"""Maitred Reservations service."""
