"""Progress: the lesson reader, resuming, and "My learning"."""
