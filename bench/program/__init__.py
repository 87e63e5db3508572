"""The benchmark of issue 3 (the committee's work): ten years of tasks and progress reports
for the 34 provinces and their communes; the office matrix and a province's task list timed
through the real selectors and pages. Run it with `bench/run program`."""
