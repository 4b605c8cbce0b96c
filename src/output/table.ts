import Table from 'cli-table3'

import {paint} from './color.js'
import {cellText, type Column} from './columns.js'

/** A borderless, aligned table (kubectl style): readable on a terminal and easy to grep/awk. */
export function renderTable<T>(rows: T[], columns: Column<T>[], options: {color?: boolean} = {}): string {
  const table = new Table({
    head: columns.map((c) => paint('bold', c.header.toUpperCase(), options.color)),
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
    },
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0},
  })
  for (const row of rows) table.push(columns.map((c) => cellText(c.value(row))))
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}
