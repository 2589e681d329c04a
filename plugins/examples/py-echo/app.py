"""`/echo [text]`: repeats the text in the room, as the app. An Orbit app in Python.

Built with componentize-py against `wit/` (world `app`); see docs/apps.md.
"""

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.commands import CommandContext, PreviewItem, Previews
from wit_world.exports.lifecycle import AppProvides, CommandDef, SettingValue
from wit_world.imports import message_writer
from wit_world.imports.types import Actor


class Lifecycle(exports.Lifecycle):
    def initialize(self) -> AppProvides:
        echo = CommandDef(
            command="echo",
            params_example="[text]",
            description="Repeats what you say",
            provides_preview=False,
            required_permissions=[],
        )
        return AppProvides(commands=[echo], settings=[])

    def on_enable(self) -> bool:
        return True

    def on_disable(self) -> None:
        pass

    def on_setting_updated(self, setting: SettingValue) -> None:
        pass


class Commands(exports.Commands):
    def execute(self, context: CommandContext) -> None:
        text = context.params.strip()
        if not text:
            raise Err("Usage: /echo [text]")
        message_writer.send(
            message_writer.NewMessage(
                room_id=context.room_id,
                text=f"🐍 {text}",
                thread_id=context.thread_id,
                author=Actor.APP,
            )
        )

    def preview(self, context: CommandContext) -> Previews:
        raise Err("/echo has no previews")

    def execute_preview_item(self, context: CommandContext, item: PreviewItem) -> None:
        raise Err("/echo has no previews")
