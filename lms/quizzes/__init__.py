"""Quizzes and evaluations: server-graded attempts, feedback, and results for authors."""
