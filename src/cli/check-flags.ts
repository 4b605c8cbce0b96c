import {Flags} from '@oclif/core'

/** Flags shared by `mc check run` and `mc check diagnose`. */
export const vantageFlags = {
  target: Flags.string({char: 't', summary: 'Host name or IP address to check (repeatable).', multiple: true}),
  from: Flags.string({summary: 'Vantage points: all (this machine and every ready probe), local, or probe names (repeatable, comma list).', multiple: true, delimiter: ',', default: ['all']}),
}
