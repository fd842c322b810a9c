"""Turning a topic into one customer's words: openers, context, typos, short and long."""

from __future__ import annotations

import random

from prodloop.demo.feedback_topics import CLOSERS, CONTEXT, DETAILS, OPENERS, SLOTS, Topic

_NEIGHBOURS = "qwertyuiopasdfghjklzxcvbnm"


def typo(word: str, rng: random.Random) -> str:
    """A word with one slip of the finger: a swap, a dropped or a doubled letter."""
    if len(word) < 4 or not word.isalpha():
        return word
    at = rng.randrange(1, len(word) - 1)
    slip = rng.random()
    if slip < 0.4:
        return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    if slip < 0.7:
        return word[:at] + word[at + 1 :]
    if slip < 0.9:
        return word[:at] + word[at] + word[at:]
    return word[:at] + rng.choice(_NEIGHBOURS) + word[at + 1 :]


def with_typos(text: str, rng: random.Random, rate: float) -> str:
    """``text`` with roughly ``rate`` of its longer words mistyped."""
    words = text.split(" ")
    return " ".join(typo(w, rng) if rng.random() < rate else w for w in words)


def fill(template: str, rng: random.Random) -> str:
    """A detail a customer adds (a device, a number, a team), its slots filled."""
    return template.format(
        n=rng.choice((3, 5, 12, 20, 40, 75, 120, 300)),
        tickets=rng.randint(2, 9),
        hours=rng.randint(2, 30),
        **{name: rng.choice(options) for name, options in SLOTS.items()},
    )


def compose(topic: Topic, rng: random.Random) -> str:
    """One customer's message about ``topic``."""
    core = rng.choice(topic.phrasings)
    shape = rng.random()
    if shape < 0.12:  # terse: lower-case, no punctuation
        text = core.lower().rstrip(".!?")
    else:
        opener = rng.choice(OPENERS)
        text = opener + (core[0].lower() + core[1:] if opener.endswith(", ") else core)
        if not text.endswith((".", "!", "?")):
            text += rng.choice((".", ".", "!"))
        templates = rng.sample(DETAILS[topic.kind], rng.choice((1, 1, 2, 2, 3)))
        details = " ".join(fill(template, rng) for template in templates)
        text = f"{details} {text}" if rng.random() < 0.25 else f"{text} {details}"
        if shape > 0.93:  # long: background about the customer
            years = rng.randint(2, 6)
            text += " " + rng.choice(CONTEXT).format(n=rng.choice((40, 300, 1500)), years=years)
        text += rng.choice(CLOSERS)
    rate = 0.0 if rng.random() < 0.7 else rng.choice((0.05, 0.1, 0.2))
    return with_typos(text, rng, rate).strip()


def resubmission(text: str, rng: random.Random) -> str:
    """The same message sent again: identical, or re-typed with small differences."""
    edit = rng.random()
    if edit < 0.5:
        return text
    if edit < 0.75:
        return text.rstrip(".!") + "!!"
    return text.lower() + " "
