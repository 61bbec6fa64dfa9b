"""Site-wide pages: the home page and support resources."""
