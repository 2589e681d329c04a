// `/reverse text`: posts the text reversed, as the app. An Orbit app in JavaScript,
// built with componentize-js against wit/world.wit; see docs/apps.md.
//
// WIT mapping: exported interfaces are exported objects with camelCase methods; records are
// objects with camelCase fields; enums are their kebab-case names; `result` errors are thrown.

import { send } from 'orbit:apps/message-writer@0.1.0';

export const lifecycle = {
  initialize() {
    return {
      commands: [
        {
          command: 'reverse',
          paramsExample: 'text',
          description: 'Reverses your text',
          providesPreview: false,
          requiredPermissions: [],
        },
      ],
      settings: [],
    };
  },
  onEnable() {
    return true;
  },
  onDisable() {},
  onSettingUpdated(_setting) {},
};

export const commands = {
  execute(context) {
    const text = context.params.trim();
    if (!text) {
      throw 'Usage: /reverse text';
    }
    send({
      roomId: context.roomId,
      text: [...text].reverse().join(''),
      threadId: context.threadId,
      author: 'app',
    });
  },
  preview(_context) {
    throw '/reverse has no previews';
  },
  executePreviewItem(_context, _item) {
    throw '/reverse has no previews';
  },
};
