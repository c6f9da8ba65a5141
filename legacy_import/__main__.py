import os
import sys

from legacy_import.cli import main
from legacy_import.prepare.collector import tune_for_bulk_work

tune_for_bulk_work()
code = main()
# The run's work is done and its files closed: leave without tearing the interpreter down,
# which freed every module's objects one by one for a quarter of a second.
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
