"""Edge concerns shared by every Maitred service."""
