"""Progress reporting that the library can call without knowing about terminals."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")

#: `progress(label, items)` yields `items`, showing progress however the caller likes.
Progress = Callable[[str, Iterable[T]], Iterator[T]]


def quiet(label: str, items: Iterable[T]) -> Iterator[T]:
    yield from items
