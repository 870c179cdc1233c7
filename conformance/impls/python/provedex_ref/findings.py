"""The one exception type for a rule of the format that an input breaks."""


class Finding(Exception):
    """A broken rule: a stable reason code of spec/verification.md and a message for people.

    Programs compare `reason`; the wording of `message` is free.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
