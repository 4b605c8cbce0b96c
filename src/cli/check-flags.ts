import {Flags} from '@oclif/core'

/** Flags shared by `mc check run` and `mc check diagnose`. */
export const vantageFlags = {
  target: Flags.string({char: 't', summary: 'Host name or IP address to check (repeatable).', multiple: true}),
  from: Flags.string({
    summary: 'Vantage points: all (this machine and every ready probe), local, or probe names (repeatable, comma list).',
    multiple: true,
    delimiter: ',',
    default: ['all'],
  }),
}

/**
 * What to check, as `mc check run` and `mc nagios config` both take it: targets (vantageFlags) and
 * checks on the command line, a checks file, or both, read by one reader (readChecksFile) so that a
 * bad file gets the same message and exit code from either command. --file has no `exists` check:
 * oclif's would exit 1 (general error) where the reader says "no such file" with exit 2 (usage).
 */
export const checkSelectionFlags = {
  check: Flags.string({summary: 'Check (repeatable; default ping): ping, tcp:PORT, http[:PORT], https[:PORT], dns[:PORT], path, path:tcp:PORT, path:udp:PORT.', multiple: true}),
  file: Flags.file({char: 'f', summary: 'YAML checks file with many targets and checks (the same format for "mc check run" and "mc nagios config").'}),
  warning: Flags.string({char: 'w', summary: 'Warning threshold: "RTA_MS,LOSS%" applies to ping and path, plain seconds to tcp, http and dns.'}),
  critical: Flags.string({char: 'c', summary: 'Critical threshold, same forms as --warning.'}),
  count: Flags.integer({summary: 'Echo requests (ping) or rounds per hop (path).', min: 1, max: 100}),
  timeout: Flags.integer({summary: 'Seconds each check may take.', min: 1, max: 600}),
}
