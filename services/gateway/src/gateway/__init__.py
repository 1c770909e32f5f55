"""Maitred Gateway service."""
