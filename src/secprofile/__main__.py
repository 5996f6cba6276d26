import sys

from secprofile.cli import main

sys.exit(main())
