"""modpod's Synapse module: asks modpod, before a local user's message is
accepted, whether it may be posted in that room now.

modpod records moderation actions (suspensions, review and approval, rate
limits) and enforces them on forum software. In Matrix rooms, its Matrix
adapter bans suspended people and mutes those whose posts need approval, ahead
of time. A rate limit such as "two posts an hour in this room" cannot be set on
a Synapse homeserver (its only per-user rate limit is a homeserver-wide number
of messages per second), so this module asks modpod's decision API
(``POST /v1/decide``) for each message instead, as Postfix asks modpod for
each post to a mailing list, and refuses the message when modpod says so:

- ``allow``: the message goes through;
- ``defer`` (over a rate limit): refused with ``M_LIMIT_EXCEEDED``, modpod's
  sentence as the error, and ``retry_after_ms``: when a post will be accepted;
- ``reject`` (suspended) and ``hold`` (review and approval; Matrix has no
  moderation queue): refused with ``M_FORBIDDEN`` and modpod's sentence.

Synapse answers a message a module refuses with HTTP 403, whatever the error
code (the module API cannot choose the status).

Asked about: messages of local users (``m.room.message``,
``m.room.encrypted``, ``m.sticker``, poll starts), each counted as a post
against a rate limit; their edits and reactions are asked about without being
counted (a suspended or held person cannot edit or react either, a
rate-limited one can). Everything else (state events, redactions, events
from other homeservers) is let through without asking. The forum is
``matrix:`` followed by the room id, exactly as modpod's fora name Matrix
rooms (room ids are case-sensitive); the sender is the user id, a ``chat``
identity of a person in modpod.

Needs Synapse 1.90 or later (the module API's ``delayed_background_call``);
tested with Synapse 1.163.

Install: put this file on Synapse's Python path (for instance into the
``site-packages`` of Synapse's virtual environment, or a directory named by
``PYTHONPATH``); it needs nothing beyond Synapse itself. Then, in
homeserver.yaml::

    modules:
      - module: modpod_synapse.ModpodDecisions
        config:
          # modpod serve's HTTP service (where /v1/decide answers).
          url: https://modpod.example.org
          # A `decide` API token (modpod token create --account A --scope
          # decide): either the token itself, or a file holding it.
          token_file: /etc/matrix-synapse/modpod-token
          # How long to wait for modpod's answer, in seconds (default 2).
          timeout_seconds: 2
          # When modpod cannot be asked (down, too slow, refusing the token,
          # answering nonsense): `allow` the message (the default) or
          # `refuse` it (M_UNKNOWN, "try again later").
          on_failure: allow
          # Only these rooms (room ids); by default every room, for modpod
          # allows anything in a room no action names.
          # rooms: ["!AbCdEf:example.org"]

Why ``allow`` when modpod cannot be asked, like Postfix's default for a policy
service: refusing would silence every local user in every room of the
homeserver while one service is down. Suspensions and review and approval
are also enforced ahead of time by modpod's Matrix adapter (room bans and
mutes) and hold without modpod; what an outage lets through is messages
over a rate limit, and modpod's log keeps the actions to act on them.
``refuse`` is for deployments that prefer silence to that.
"""

import logging
import time
from collections.abc import Mapping
from typing import Any

from twisted.internet import defer

from synapse.module_api import (
    NOT_SPAM,
    EventBase,
    ModuleApi,
    make_deferred_yieldable,
    run_in_background,
)
from synapse.module_api.errors import Codes, ConfigError

logger = logging.getLogger(__name__)

# Events that are posts: each counts against a rate limit.
POSTS = frozenset(
    {
        "m.room.message",
        "m.room.encrypted",
        "m.sticker",
        "m.poll.start",
        "org.matrix.msc3381.poll.start",
    }
)
# Events asked about without being counted: reactions and poll answers.
ASKED = frozenset(
    {
        "m.reaction",
        "m.poll.response",
        "org.matrix.msc3381.poll.response",
    }
)

FAILURE_MODES = ("allow", "refuse")
# Failures are logged at most this often (seconds) while they last.
LOG_EVERY = 60.0


class Config:
    """The module's configuration, checked."""

    def __init__(
        self,
        url: str,
        token: str,
        timeout: float,
        on_failure: str,
        rooms: frozenset | None,
    ):
        self.url = url
        self.token = token
        self.timeout = timeout
        self.on_failure = on_failure
        self.rooms = rooms


class ModpodDecisions:
    """Refuses the messages modpod's decision API says may not be posted."""

    def __init__(self, config: Config, api: ModuleApi):
        self._config = config
        self._api = api
        self._endpoint = config.url.rstrip("/") + "/v1/decide"
        self._headers = {b"Authorization": [b"Bearer " + config.token.encode("ascii")]}
        # When a failure was last logged (time.monotonic()), None while
        # modpod answers.
        self._failing_since_log: float | None = None
        api.register_spam_checker_callbacks(
            check_event_for_spam=self.check_event_for_spam
        )

    @staticmethod
    def parse_config(config: dict[str, Any]) -> Config:
        if not isinstance(config, Mapping):
            raise ConfigError("the modpod module's config must be a mapping")
        known = {"url", "token", "token_file", "timeout_seconds", "on_failure", "rooms"}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ConfigError(
                "unknown setting(s) %s; the settings are %s"
                % (", ".join(unknown), ", ".join(sorted(known)))
            )
        url = config.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(
                "url: modpod's HTTP service is needed, e.g. https://modpod.example.org"
            )
        token = config.get("token")
        token_file = config.get("token_file")
        if (token is None) == (token_file is None):
            raise ConfigError(
                "give modpod's `decide` API token as either token or token_file (one of them)"
            )
        if token_file is not None:
            if not isinstance(token_file, str):
                raise ConfigError("token_file: a file name is needed")
            try:
                with open(token_file, encoding="utf-8") as f:
                    token = f.read().strip()
            except OSError as e:
                raise ConfigError("token_file: cannot read %s: %s" % (token_file, e))
        if not isinstance(token, str) or not token.strip():
            raise ConfigError("token: modpod's `decide` API token is empty")
        token = token.strip()
        if not token.isascii() or any(c.isspace() for c in token):
            raise ConfigError("token: an API token is ASCII without spaces")
        timeout = config.get("timeout_seconds", 2)
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not 0 < timeout <= 60
        ):
            raise ConfigError("timeout_seconds: a number of seconds, more than 0 and at most 60")
        on_failure = config.get("on_failure", "allow")
        if on_failure not in FAILURE_MODES:
            raise ConfigError("on_failure: `allow` or `refuse`, not %r" % (on_failure,))
        rooms = config.get("rooms")
        if rooms is not None:
            if not isinstance(rooms, list) or not all(
                isinstance(r, str) and r.startswith("!") for r in rooms
            ):
                raise ConfigError("rooms: a list of room ids, such as !AbCdEf:example.org")
            rooms = frozenset(rooms)
        return Config(url, token, float(timeout), on_failure, rooms)

    async def check_event_for_spam(self, event: EventBase) -> Any:
        if event.is_state() or not self._api.is_mine(event.sender):
            return NOT_SPAM
        count = _counted(event)
        if count is None:
            return NOT_SPAM
        room = event.room_id
        if self._config.rooms is not None and room not in self._config.rooms:
            return NOT_SPAM
        question = {
            "forum": "matrix:" + room,
            "sender": event.sender,
            "sender_kind": "chat",
            "count": count,
        }
        try:
            answer = await self._ask(question)
        except Exception as e:
            return self._failed(room, e)
        if not isinstance(answer, Mapping):
            return self._failed(room, ValueError("an answer that is not a JSON object"))
        verdict = answer.get("verdict")
        message = answer.get("message")
        if not isinstance(message, str) or not message:
            message = "modpod, the moderation service, does not let this message through."
        if verdict == "allow":
            self._answered()
            return NOT_SPAM
        if verdict == "defer":
            self._answered()
            fields: dict[str, Any] = {"error": message}
            retry = answer.get("retry_after_seconds")
            if isinstance(retry, int) and not isinstance(retry, bool) and retry >= 0:
                fields["retry_after_ms"] = retry * 1000
            return Codes.LIMIT_EXCEEDED, fields
        if verdict == "reject":
            self._answered()
            return Codes.FORBIDDEN, {"error": message}
        if verdict == "hold":
            self._answered()
            return Codes.FORBIDDEN, {
                "error": message + " A Matrix room cannot hold a message for review, "
                "so this one was not sent."
            }
        return self._failed(room, ValueError("an unknown verdict %r" % (verdict,)))

    async def _ask(self, question: dict[str, Any]) -> Any:
        """POSTs the question within the time limit; raises on any failure."""
        request = run_in_background(
            self._api.http_client.post_json_get_json,
            self._endpoint,
            question,
            headers=self._headers,
        )
        timer = self._api.delayed_background_call(
            self._config.timeout * 1000, request.cancel, desc="modpod_decide_timeout"
        )
        try:
            return await make_deferred_yieldable(request)
        except defer.CancelledError:
            raise TimeoutError(
                "no answer within %g s (timeout_seconds)" % (self._config.timeout,)
            ) from None
        finally:
            if timer.active():
                timer.cancel()

    def _answered(self) -> None:
        if self._failing_since_log is not None:
            logger.info("modpod at %s answers again", self._endpoint)
            self._failing_since_log = None

    def _failed(self, room: str, error: Exception) -> Any:
        refuse = self._config.on_failure == "refuse"
        now = time.monotonic()
        if self._failing_since_log is None or now - self._failing_since_log >= LOG_EVERY:
            self._failing_since_log = now
            logger.warning(
                "cannot ask modpod at %s about a message in %s (%s: %s); %s messages "
                "while this lasts (on_failure: %s; logged once a minute)",
                self._endpoint,
                room,
                type(error).__name__,
                error,
                "refusing" if refuse else "letting through",
                self._config.on_failure,
            )
        if not refuse:
            return NOT_SPAM
        return Codes.UNKNOWN, {
            "error": "The moderation service cannot be asked now; try again later."
        }


def _counted(event: EventBase) -> bool | None:
    """Whether the event counts as a post (True), is asked about without
    counting (False), or is not asked about (None)."""
    if event.type in POSTS:
        relates = event.content.get("m.relates_to")
        edit = isinstance(relates, Mapping) and relates.get("rel_type") == "m.replace"
        return not edit
    if event.type in ASKED:
        return False
    return None
