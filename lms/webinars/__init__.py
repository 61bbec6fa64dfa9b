"""Live webinars: authored in git, listed, registered for, reminded, attended."""
