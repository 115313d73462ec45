"""Analytics engines: bulk computations over Arrow tables in DuckDB.

Nothing here imports Django. Callers read what they need from the store into Arrow
tables, hand them to these engines and write the results back; the rules of the
business stay in :mod:`tandem.core`, and each engine reproduces the core's
reference results exactly, only faster.
"""
