"""Authoring: the authors' home page, with each course's versions, results and the guide."""
