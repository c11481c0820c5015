"""The reference API's description convention: a lead's contact fields are `Label: value`
lines at the top of its description, then a `---` line, then free text.

    First name: Sara
    Email: sara@novak.test
    ---
    Met at the fair.

Clients parse descriptions and write them, so both ways are kept: a description written with
a header sets the fields it names, and fields written by key rewrite the header. Pure
functions: no database."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

SEPARATOR = "---"
HEADER_LINE = re.compile(r"([^:\n]{1,100}):[ \t]?(.*)")


@dataclass(frozen=True)
class Parsed:
    """A description read through the convention: the header's values by label (as written),
    and the free text after the separator (the whole description when it has no header)."""

    values: dict[str, str] = field(default_factory=dict)
    free_text: str = ""
    has_header: bool = False


def parse(description: str, labels: Sequence[str]) -> Parsed:
    """The header of `description`, if it has one: lines before the first `---` line, each
    `Label: value` (blank lines allowed), at least one label among `labels` (compared without
    case). Labels that are no field are left in the text and not returned."""
    lines = description.split("\n")
    known = {label.casefold(): label for label in labels}
    for index, line in enumerate(lines):
        if line.strip() == SEPARATOR:
            head, rest = lines[:index], lines[index + 1 :]
            break
    else:
        return Parsed(free_text=description)
    values: dict[str, str] = {}
    for line in head:
        if not line.strip():
            continue
        matched = HEADER_LINE.fullmatch(line.rstrip("\r"))
        if matched is None:
            return Parsed(free_text=description)
        label = matched.group(1).strip().casefold()
        if label in known:
            values[known[label]] = matched.group(2).strip()
    if not values:
        return Parsed(free_text=description)
    return Parsed(values=values, free_text="\n".join(rest), has_header=True)


def compose(values: Mapping[str, str], free_text: str) -> str:
    """A description with `values` (label: value, in the given order; empty ones left out) as
    its header, then the free text; just the free text when no value is set."""
    header = [f"{label}: {value}" for label, value in values.items() if value]
    if not header:
        return free_text
    return "\n".join([*header, SEPARATOR, free_text])


def append(description: str, text: str) -> str:
    """The description with `text` added at the end of its free text, on a line of its own."""
    if not text:
        return description
    if not description:
        return text
    # The free text ends the description, header or not.
    separator = "" if description.endswith("\n") else "\n"
    return f"{description}{separator}{text}"
