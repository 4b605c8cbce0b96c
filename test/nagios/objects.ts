import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

/** Nagios object definitions as a test reads them: type and attributes, comment lines dropped. */
export type NagiosObject = {type: string; attributes: Record<string, string>}

export function readObjects(dir: string): NagiosObject[] {
  const objects: NagiosObject[] = []
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.cfg'))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .filter((l) => !/^\s*[#;]/.test(l))
      .join('\n')
    for (const match of text.matchAll(/define\s+(\w+)\s*\{([^}]*)\}/g)) {
      const attributes: Record<string, string> = {}
      for (const line of match[2]
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)) {
        const [, key, value] = /^(\S+)\s+(.*)$/.exec(line)!
        attributes[key] = value
      }
      objects.push({type: match[1], attributes})
    }
  }
  return objects
}

export const PLUGINS = '/usr/lib/nagios/plugins'

/**
 * A service's command line with its macros resolved the way Nagios resolves them: $USER1$ from
 * resource.cfg, host macros and custom variables from the service's host, $ARGn$ from check_command.
 * An unknown macro fails the test instead of passing through.
 */
export function commandLine(objects: NagiosObject[], service: NagiosObject): string {
  const [name, ...args] = service.attributes.check_command.split('!')
  const command = objects.find((o) => o.type === 'command' && o.attributes.command_name === name)
  if (!command) throw new Error(`no command ${name}`)
  const host = objects.find((o) => o.type === 'host' && o.attributes.host_name === service.attributes.host_name)!
  const macros: Record<string, string> = {USER1: PLUGINS, HOSTADDRESS: host.attributes.address, HOSTNAME: host.attributes.host_name}
  for (const [key, value] of Object.entries(host.attributes)) if (key.startsWith('_')) macros[`_HOST${key.slice(1)}`] = value
  for (const [i, arg] of args.entries()) macros[`ARG${i + 1}`] = arg
  return command.attributes.command_line.replaceAll(/\$([A-Z0-9_]+)\$/g, (_, macro: string) => {
    if (!(macro in macros)) throw new Error(`unresolved macro $${macro}$ in ${name}`)
    return macros[macro]
  })
}
