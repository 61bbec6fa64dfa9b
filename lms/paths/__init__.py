"""Learning paths: ordered sets of courses with a completion (and certificate) of their own."""
