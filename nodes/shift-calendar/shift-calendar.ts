// shift-calendar config node: holds a validated ShiftCalendar that oee-calculator nodes share.

import type { NodeAPI } from 'node-red';
import { ShiftCalendar, validateCalendar } from '../lib/calendar/shift-calendar';
import { type ShiftCalendarDef, type ShiftCalendarNode, toCalendarConfig } from './types';

export = function register(RED: NodeAPI): void {
  function ShiftCalendarConfig(this: ShiftCalendarNode, def: ShiftCalendarDef): void {
    RED.nodes.createNode(this, def);
    const config = toCalendarConfig(def);
    const errors = validateCalendar(config);
    if (errors.length > 0) {
      this.problem = errors.join('; ');
      this.error(RED._('shift-calendar.errors.invalid', { problems: this.problem }));
      return;
    }
    this.calendar = new ShiftCalendar(config);
  }
  RED.nodes.registerType('pb-shift-calendar', ShiftCalendarConfig);
};
