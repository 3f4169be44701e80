"""``python -m tests.fakebotapi``: run the fake Bot API server standalone.

See :mod:`tests.fakebotapi.standalone` for the options and the ready line.
"""

from .standalone import main

if __name__ == "__main__":
    main()
