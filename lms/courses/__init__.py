"""Courses: publishing Markdown folders as versions, the catalog and course pages."""
