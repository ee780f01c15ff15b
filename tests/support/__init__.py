"""What the tests and the benchmark share: sample files of every kind, the service as a real process, and
throw-away databases. Nothing here is part of the service; `bench/` imports it, never the other way round."""
