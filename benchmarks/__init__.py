"""Side-by-side benchmarks of the generated adapters against plain boto3.

Run ``python -m benchmarks`` (or ``--quick``); each row module measures ours
and its baseline interleaved in one run and returns ``Comparison`` rows that
``_harness`` renders as the Markdown table in ``docs/benchmarks.md``.
"""
