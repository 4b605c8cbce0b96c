/**
 * Targets an attacker (or a careless config file) might hand mc. Each, if it reached a shell or an
 * option parser unquoted, would run a command, read as an option, or break the command line.
 * CANARY is replaced by a path the test watches: if it ever exists, something ran.
 */
export const HOSTILE_TARGETS = [
  'example.com; touch CANARY',
  'example.com && touch CANARY',
  'example.com | touch CANARY',
  '$(touch CANARY)',
  '`touch CANARY`',
  'example.com\ntouch CANARY',
  'example.com\rtouch CANARY',
  "example.com' ; touch CANARY; echo '",
  'example.com" ; touch CANARY; echo "',
  '-oProxyCommand=touch CANARY',
  '-oProxyCommand=sh -c "touch CANARY"',
  '--output=CANARY',
  '-w1',
  // eslint-disable-next-line no-template-curly-in-string -- shell expansion is the point
  '${IFS}touch${IFS}CANARY',
  'example.com>CANARY',
  'example.com<CANARY',
  '$HOME',
  '*',
  'a b',
  '',
  ' ',
  'example.com#',
  String.raw`\x41`,
  '127.0.0.1:22',
  '[::1]',
  'http://example.com/',
  'exa mple.com',
  '..',
  'a..b',
  '-example.com',
  'example-.com',
  '999.1.1.1',
  'é.example',
  'example.com\u0000touch CANARY',
]
