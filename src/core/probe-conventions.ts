/**
 * Tags (EC2, DigitalOcean), metadata (Nova) or tag strings (Linode, "key=value") that mc's probes and
 * the sandbox agree on. Defined once: the sandbox writes them, the drivers and services read them.
 */

/** On an image whose nodes already carry the probe tools (every sandbox image): value PROBE_READY_VALUE. */
export const PROBE_READY_KEY = 'mc-probe-ready'
export const PROBE_READY_VALUE = 'true'
/** On a node whose sshd listens elsewhere than 22 (the sandbox's loopback nodes): the port. */
export const SSH_PORT_KEY = 'mc-ssh-port'
