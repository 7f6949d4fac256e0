"""Shared test settings: Hypothesis without deadlines (CI machines are shared and noisy)."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "autograd_lite",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("autograd_lite")
