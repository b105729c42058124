"""Reading a request number the way customers type it: "1042", "#1042", " # 1042 "."""

import re

_NUMBER = re.compile(r"^#?\s*(\d{1,18})$")


def parse_number(text: str) -> int | None:
    """The request number in `text`, or None when it is not one."""
    match = _NUMBER.match(text.strip().replace("\u2116", "#").replace("\uff03", "#"))
    if match is None:
        return None
    number = int(match.group(1))
    return number if number > 0 else None
