import {homedir} from 'node:os'
import {join} from 'node:path'

/** Where mc keeps things. $MC_HOME puts everything under one folder (tests, CI, sandboxes). */
export interface McPaths {
  configDir: string
  dataDir: string
  cacheDir: string
  configFile: string
}

export function mcPaths(env: NodeJS.ProcessEnv = process.env): McPaths {
  if (env.MC_HOME) {
    return {
      configDir: env.MC_HOME,
      dataDir: join(env.MC_HOME, 'data'),
      cacheDir: join(env.MC_HOME, 'cache'),
      configFile: join(env.MC_HOME, 'config.json'),
    }
  }
  const home = homeDir(env)
  const configDir = join(env.XDG_CONFIG_HOME || join(home, '.config'), 'mc')
  return {
    configDir,
    dataDir: join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'mc'),
    cacheDir: join(env.XDG_CACHE_HOME || join(home, '.cache'), 'mc'),
    configFile: join(configDir, 'config.json'),
  }
}

export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME || homedir()
}

/** Show a path with the home directory as `~`, for messages. */
export function tildify(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = homeDir(env)
  return path.startsWith(home + '/') ? `~${path.slice(home.length)}` : path
}
