import sys

from legacy_import.cli import main

sys.exit(main())
