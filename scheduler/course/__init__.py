"""One patient's plan over time: the course file, its history, re-planning and the changes in words."""
