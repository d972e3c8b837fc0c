"""Results shared within one piece of work: a function marked ``@shared`` computes each distinct
call once inside a ``shared_results()`` block (e.g. one monitoring run, whose rules ask for the
same figures), and every time outside one. Callers must treat shared results as read-only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_results: ContextVar[dict[Any, Any] | None] = ContextVar("shared_results", default=None)


@contextmanager
def shared_results() -> Iterator[None]:
    """Within the block, calls of ``@shared`` functions with equal arguments are computed once."""
    token = _results.set({})
    try:
        yield
    finally:
        _results.reset(token)


def shared(function: F) -> F:
    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        results = _results.get()
        compute = wrapper.__wrapped__  # type: ignore[attr-defined]
        if results is None:
            return compute(*args, **kwargs)
        key = (compute, args, tuple(sorted(kwargs.items())))
        try:
            if key in results:
                return results[key]
        except TypeError:  # an unhashable argument (a list of ids): not shared
            return compute(*args, **kwargs)
        results[key] = value = compute(*args, **kwargs)
        return value

    return wrapper  # type: ignore[return-value]
