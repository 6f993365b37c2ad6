#!/usr/bin/env python
"""Same as the installed `gongyue` command, for those used to manage.py."""

from gongyue.cli import main

if __name__ == "__main__":
    main()
