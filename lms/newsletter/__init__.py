"""The newsletter: double opt-in subscriptions, issues sent once each, and course notices."""
