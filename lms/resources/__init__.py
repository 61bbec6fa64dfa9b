"""The family resources library: tip sheets, articles and more, public, in two languages."""
