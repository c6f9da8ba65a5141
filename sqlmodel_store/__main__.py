import sys

from sqlmodel_store.cli import main

sys.exit(main())
