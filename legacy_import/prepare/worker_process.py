"""A worker process: `python -m legacy_import.prepare.worker_process TASKS RESULTS`, given the
file descriptors of its ends of the two pipes (see `legacy_import.prepare.workers`)."""

import sys
from multiprocessing.connection import Connection

from legacy_import.prepare.collector import tune_for_bulk_work
from legacy_import.prepare.workers import work

if __name__ == "__main__":
    tune_for_bulk_work()
    work(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
