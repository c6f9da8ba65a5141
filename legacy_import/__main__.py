import sys

from legacy_import.cli import main
from legacy_import.prepare.collector import tune_for_bulk_work

tune_for_bulk_work()
sys.exit(main())
