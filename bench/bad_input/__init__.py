"""The bad-input run, one module per part; its entry point is bench/bench_bad_input.py."""
