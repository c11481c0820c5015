"""The benchmark (`make bench`): a data generator and the measurements against the SQL floor."""
