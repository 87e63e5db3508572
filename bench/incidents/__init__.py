"""The benchmark of issue 4 (incidents): a million incidents with timelines, the incident
list and the statistics timed through the real selectors and pages, and the intake API
under a constant load. Run it with `bench/run incidents`."""
