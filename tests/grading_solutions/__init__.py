"""Reference solutions of the build-your-own notebook track, for the tests (not for learners)."""
