"""The supply side: organizations' service catalogue (资源清单), ordering meetings and matching."""
