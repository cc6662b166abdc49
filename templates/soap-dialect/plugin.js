// The Node-RED plugin: registers the dialect with PlantBridge. Node-RED loads this file because package.json names it
// under "node-red" → "plugins"; PlantBridge then lists the dialect in every ERP connection's dialog.
'use strict';

const { PLUGIN_TYPE } = require('@plantbridge/node-red-erp-mes/dialect');
const dialect = require('./dialect');

module.exports = function (/** @type {{ plugins: { registerPlugin(id: string, definition: object): void } }} */ RED) {
  RED.plugins.registerPlugin('nav-soap-dialect', { type: PLUGIN_TYPE, dialect });
};
