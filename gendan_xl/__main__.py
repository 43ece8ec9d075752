"""`python -m gendan_xl …` is `gendan-xl …`."""
import sys

from gendan_xl.doors.cli import main

sys.exit(main())
