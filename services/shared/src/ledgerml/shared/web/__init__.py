"""HTTP edge shared by every service: problem+json errors, authentication, health and metrics."""
