#!/usr/bin/env python
"""Django's command-line utility. With no DATABASE_URL/REDIS_URL set, the embedded servers start on demand."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elettro.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
