"""Course content: the Markdown authoring format, its checker and its compiled model."""
