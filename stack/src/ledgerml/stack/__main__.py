import sys

from ledgerml.stack.cli import main

sys.exit(main())
