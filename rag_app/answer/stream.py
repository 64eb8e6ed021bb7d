"""The one streaming contract every shell (terminal, page, HTTP) reads an answer by.

`Assistant.stream` yields text deltas, then the final Answer. The final text is what counts: it
extends the deltas (a refusal gets its hint), replaces them (the LLM failed mid-stream and quotes
come instead), or drops a citation of a passage that does not exist. A shell shows the deltas as
they come, then `ending()`; one that can redraw (the page) shows `answer` instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from rag_app.answer import Answer


class AnswerStream:
    """Iterate for the text deltas; afterwards `answer` is the final Answer."""

    def __init__(self, items: Iterable[str | Answer]) -> None:
        self._items = iter(items)
        self._first: str | Answer | None = None
        self._streamed: list[str] = []
        self._answer: Answer | None = None

    def start(self) -> None:
        """Wait for the first item (retrieval happens before it), e.g. under a spinner."""
        self._first = next(self._items)

    def __iter__(self) -> Iterator[str]:
        items: Iterable[str | Answer] = self._items if self._first is None else [self._first, *self._items]
        self._first = None
        for item in items:
            if isinstance(item, Answer):
                self._answer = item
            else:
                self._streamed.append(item)
                yield item

    def close(self) -> None:
        """Stop the answer early (a client went away): the LLM call is let go too."""
        close = getattr(self._items, "close", None)
        if close is not None:
            close()

    @property
    def answer(self) -> Answer:
        if self._answer is None:
            raise RuntimeError("the stream has not reached its final Answer yet")
        return self._answer

    @property
    def streamed(self) -> str:
        return "".join(self._streamed)

    def ending(self) -> str:
        """What a reader who saw only the deltas still needs, appended, to end with the final answer.

        Quotes that replace a failed LLM answer follow it in full, less the paragraphs both begin with (the
        product note, shown once); a dropped citation alone adds nothing (the final sources say which
        numbers exist).
        """
        final, streamed = self.answer, self.streamed
        if final.text.startswith(streamed):
            return final.text[len(streamed):]
        return "\n\n" + final.text[len(_shared_paragraphs(final.text, streamed)):] if final.mode == "extractive" else ""

    def revised(self) -> bool:
        """True when the deltas shown are not a prefix of the final answer (it replaces them)."""
        return not self.answer.text.startswith(self.streamed)


def _shared_paragraphs(text: str, streamed: str) -> str:
    """The whole paragraphs `text` and `streamed` both begin with."""
    common = os.path.commonprefix([text, streamed])
    return common[:common.rfind("\n\n") + 2] if "\n\n" in common else ""
