"""Discord's limits, enforced with Discord's error codes.

Sources: Discord developer docs "Message Resource" (content 2000, embed limits), "Component Reference"
(rows, buttons, selects, custom_id), "Application Commands" (naming, options, choices), "Receiving and
Responding" (3 s initial response, 15 min tokens, 40060 double acknowledgement).
"""

from __future__ import annotations

from typing import Any

from .errors import DiscordError, FormErrors, already_acknowledged, invalid_webhook_token, unknown
from .state import Interaction

INITIAL_RESPONSE_SECONDS = 3.0
TOKEN_LIFETIME_SECONDS = 15 * 60

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
EMBED_FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
ROWS_MAX = 5
BUTTONS_PER_ROW = 5
LABEL_MAX = 80
CUSTOM_ID_MAX = 100
SELECT_OPTIONS_MAX = 25
MODAL_ROWS_MAX = 5
MODAL_TITLE_MAX = 45
COMMAND_NAME_MAX = 32
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25
GLOBAL_COMMANDS_MAX = 100
AUTOCOMPLETE_CHOICES_MAX = 25

IS_COMPONENTS_V2 = 1 << 15
SELECT_TYPES = (3, 5, 6, 7, 8)


def _too_long(errors: FormErrors, path: tuple[str | int, ...], limit: int) -> None:
    errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _check_length(errors: FormErrors, path: tuple[str | int, ...], value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        _too_long(errors, path, limit)


# messages ---------------------------------------------------------------------------------------
def validate_message(payload: dict[str, Any], *, has_files: bool = False, creating: bool = True) -> None:
    """Content, embed and component limits; an empty new message is 50006."""
    errors = FormErrors()
    content = payload.get("content")
    _check_length(errors, ("content",), content, CONTENT_MAX)
    embeds = payload.get("embeds") or []
    _validate_embeds(errors, embeds)
    components = payload.get("components") or []
    flags = int(payload.get("flags") or 0)
    _validate_components(errors, components, v2=bool(flags & IS_COMPONENTS_V2))
    errors.raise_if_any()
    if creating and not (
        content
        or embeds
        or components
        or has_files
        or payload.get("attachments")
        or payload.get("sticker_ids")
        or payload.get("poll")
    ):
        raise DiscordError(400, 50006, "Cannot send an empty message")


def _validate_embeds(errors: FormErrors, embeds: list[dict[str, Any]]) -> None:
    if len(embeds) > EMBEDS_MAX:
        _too_long(errors, ("embeds",), EMBEDS_MAX)
        return
    total = 0
    for index, embed in enumerate(embeds):
        base = ("embeds", index)
        for key, limit in EMBED_LIMITS.items():
            value = embed.get(key)
            _check_length(errors, (*base, key), value, limit)
            total += len(value or "")
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            _too_long(errors, (*base, "fields"), EMBED_FIELDS_MAX)
        for f_index, item in enumerate(fields):
            name, value = item.get("name"), item.get("value")
            _check_length(errors, (*base, "fields", f_index, "name"), name, FIELD_NAME_MAX)
            _check_length(errors, (*base, "fields", f_index, "value"), value, FIELD_VALUE_MAX)
            if not name:
                errors.add((*base, "fields", f_index, "name"), "BASE_TYPE_REQUIRED", "This field is required")
            if not value:
                errors.add((*base, "fields", f_index, "value"), "BASE_TYPE_REQUIRED", "This field is required")
            total += len(name or "") + len(value or "")
        footer_text = (embed.get("footer") or {}).get("text")
        _check_length(errors, (*base, "footer", "text"), footer_text, FOOTER_MAX)
        author_name = (embed.get("author") or {}).get("name")
        _check_length(errors, (*base, "author", "name"), author_name, AUTHOR_MAX)
        total += len(footer_text or "") + len(author_name or "")
    if total > EMBED_TOTAL_MAX:
        errors.add(("embeds",), "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}")


def _validate_components(errors: FormErrors, rows: list[dict[str, Any]], *, v2: bool) -> None:
    if v2:
        # Components v2 layouts (containers, sections) have a 40-component budget instead of 5 rows.
        return
    if len(rows) > ROWS_MAX:
        _too_long(errors, ("components",), ROWS_MAX)
    seen: set[str] = set()
    for r_index, row in enumerate(rows):
        base = ("components", r_index)
        if row.get("type") != 1:
            errors.add((*base, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).')
            continue
        children = row.get("components") or []
        if not children:
            errors.add((*base, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        selects = [c for c in children if c.get("type") in SELECT_TYPES]
        if selects and len(children) > 1:
            errors.add(
                (*base, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        if len(children) > BUTTONS_PER_ROW:
            _too_long(errors, (*base, "components"), BUTTONS_PER_ROW)
        for c_index, child in enumerate(children):
            _validate_component(errors, (*base, "components", c_index), child, seen)


def _validate_component(errors: FormErrors, path: tuple[str | int, ...], item: dict[str, Any], seen: set[str]) -> None:
    kind = item.get("type")
    custom_id = item.get("custom_id")
    if kind == 2:
        _check_length(errors, (*path, "label"), item.get("label"), LABEL_MAX)
        style = item.get("style")
        if style == 5:
            if not item.get("url"):
                errors.add((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required")
            return
        if style == 6:
            return
    if kind in (2, *SELECT_TYPES, 4):
        if not custom_id:
            errors.add((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
            return
        _check_length(errors, (*path, "custom_id"), custom_id, CUSTOM_ID_MAX)
        if custom_id in seen:
            errors.add(
                (*path, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
        seen.add(custom_id)
    if kind == 3:
        options = item.get("options") or []
        if not options:
            errors.add((*path, "options"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
        if len(options) > SELECT_OPTIONS_MAX:
            _too_long(errors, (*path, "options"), SELECT_OPTIONS_MAX)
        for o_index, option in enumerate(options):
            _check_length(errors, (*path, "options", o_index, "label"), option.get("label"), 100)
            _check_length(errors, (*path, "options", o_index, "value"), option.get("value"), 100)
            _check_length(errors, (*path, "options", o_index, "description"), option.get("description"), 100)
    if kind in SELECT_TYPES:
        _check_length(errors, (*path, "placeholder"), item.get("placeholder"), 150)


# modals -----------------------------------------------------------------------------------------
def validate_modal(data: dict[str, Any]) -> None:
    errors = FormErrors()
    _check_length(errors, ("data", "title"), data.get("title"), MODAL_TITLE_MAX)
    _check_length(errors, ("data", "custom_id"), data.get("custom_id"), CUSTOM_ID_MAX)
    rows = data.get("components") or []
    if not rows or len(rows) > MODAL_ROWS_MAX:
        errors.add(("data", "components"), "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {MODAL_ROWS_MAX} in length.")
    seen: set[str] = set()
    for index, row in enumerate(rows):
        children = row.get("components") if row.get("type") == 1 else [row.get("component")]
        for c_index, child in enumerate(children or []):
            if not isinstance(child, dict):
                continue
            path = ("data", "components", index, "components", c_index)
            if child.get("type") == 4:
                _check_length(errors, (*path, "label"), child.get("label"), 45)
                _check_length(errors, (*path, "value"), child.get("value"), 4000)
                _check_length(errors, (*path, "placeholder"), child.get("placeholder"), 100)
            _validate_component(errors, path, child, seen)
        if row.get("type") == 18:
            _check_length(errors, ("data", "components", index, "label"), row.get("label"), 45)
    errors.raise_if_any()


def validate_autocomplete(data: dict[str, Any]) -> None:
    errors = FormErrors()
    choices = data.get("choices") or []
    if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
        _too_long(errors, ("data", "choices"), AUTOCOMPLETE_CHOICES_MAX)
    for index, choice in enumerate(choices):
        name = choice.get("name") or ""
        if not 1 <= len(name) <= 100:
            errors.add(
                ("data", "choices", index, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
    errors.raise_if_any()


# commands ---------------------------------------------------------------------------------------
def _valid_name_char(char: str) -> bool:
    # Discord's regex is ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$; str.isalnum covers L and N,
    # the two script ranges cover Devanagari and Thai combining marks.
    return char.isalnum() or char in "-_'" or "\u0900" <= char <= "\u097f" or "\u0e00" <= char <= "\u0e7f"


def valid_command_name(name: Any, *, chat_input: bool = True) -> bool:
    if not isinstance(name, str) or not 1 <= len(name) <= COMMAND_NAME_MAX:
        return False
    if not chat_input:
        return True
    return all(_valid_name_char(c) for c in name) and name == name.lower()


def validate_commands(commands: list[dict[str, Any]], *, global_scope: bool) -> None:
    errors = FormErrors()
    if global_scope and len(commands) > GLOBAL_COMMANDS_MAX:
        _too_long(errors, (), GLOBAL_COMMANDS_MAX)
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        kind = int(command.get("type") or 1)
        name = command.get("name")
        key = (kind, str(name))
        if key in seen:
            errors.add(
                (index, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {name}",
            )
        seen.add(key)
        _validate_command_node(errors, (index,), command, chat_input=kind == 1, top=True)
    errors.raise_if_any()


def _validate_command_node(
    errors: FormErrors, path: tuple[str | int, ...], node: dict[str, Any], *, chat_input: bool, top: bool = False
) -> None:
    if not valid_command_name(node.get("name"), chat_input=chat_input):
        errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    description = node.get("description") or ""
    if chat_input and not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
        errors.add((*path, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    options = node.get("options") or []
    if len(options) > COMMAND_OPTIONS_MAX:
        _too_long(errors, (*path, "options"), COMMAND_OPTIONS_MAX)
    seen_optional = False
    names: set[str] = set()
    for o_index, option in enumerate(options):
        o_path = (*path, "options", o_index)
        if option.get("name") in names:
            errors.add(
                (*o_path, "name"), "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS", "Option names must be unique"
            )
        names.add(option.get("name"))
        kind = int(option.get("type") or 0)
        if kind in (1, 2):
            _validate_command_node(errors, o_path, option, chat_input=True)
            continue
        _validate_command_node(errors, o_path, {**option, "options": []}, chat_input=True)
        if option.get("required"):
            if seen_optional:
                errors.add(
                    (*path, "options"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > COMMAND_CHOICES_MAX:
            _too_long(errors, (*o_path, "choices"), COMMAND_CHOICES_MAX)
        if choices and option.get("autocomplete"):
            errors.add(
                (*o_path, "autocomplete"),
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                "Autocomplete cannot be set on options with choices",
            )


# interaction timing -----------------------------------------------------------------------------
def check_initial_response(interaction: Interaction | None, now: float) -> Interaction:
    if interaction is None or now - interaction.created_at > INITIAL_RESPONSE_SECONDS:
        raise unknown("interaction")
    if interaction.acknowledged:
        raise already_acknowledged()
    return interaction


def check_webhook_token(interaction: Interaction | None, now: float) -> Interaction:
    if interaction is None:
        raise DiscordError(404, 10015, "Unknown Webhook")
    if now - interaction.created_at > TOKEN_LIFETIME_SECONDS:
        raise invalid_webhook_token()
    return interaction
