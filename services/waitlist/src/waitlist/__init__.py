"""Maitred Waitlist service."""
