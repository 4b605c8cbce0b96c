import {hopClass, MIN_ROUNDS} from './sequential.js'

/**
 * How a vantage point that logs in as a non-root user still gives a settled verdict within the time
 * limit (issue 14: real cloud images log in as admin, ubuntu or ec2-user).
 *
 * The floors, measured on Debian 12 (mtr 0.95, iputils 20221126):
 * - mtr refuses intervals under 1 s to non-root users ("non-root users cannot request an interval
 *   < 1.0 seconds"), root may go to 0.1 s. Its probes go out through mtr-packet, which carries the
 *   file capability cap_net_raw on Debian (`getcap /usr/bin/mtr-packet`: cap_net_raw=ep), so a
 *   non-root mtr traces over ICMP, TCP and UDP alike; only the pace is limited.
 * - iputils ping's floor for non-root users is 2 ms ("minimal interval allowed for user is 2ms"),
 *   older iputils had 200 ms: the diagnosis's ping (-i 0.2, five echoes) runs the same either way.
 *
 * The stopping rule needs, per hop (sequential.ts, unchanged): 27 answered probes before it calls a
 * hop clean, 39 when one of them was lost (each lost probe costs 11.4 more), about 10 at a hop losing
 * 30 %; and at least MIN_ROUNDS rounds. A diagnosis's default limit is 10 s.
 *
 * The options, weighed:
 * 1. One mtr at its 1 s floor: about 7 rounds in the 10 s once SSH, mtr's first round and the 1 s
 *    settling cut (RETRANSMITTED_REPLY_MS) are paid: under MIN_ROUNDS, so the vantage point would be
 *    listed as unavailable every time. Deciding on so few rounds is not an option either: a hop that
 *    answered 7 probes of 7 is as likely a hop losing 20 % (0.8^7 = 21 % of the time; 10 of 10: 11 %)
 *    as the 0.5 % the test promises. `passRate` computes it; the test is not weakened for anyone.
 * 2. Passwordless sudo (`sudo -n true` succeeds): mtr runs as root through `sudo -n`, at root's pace.
 *    Used whenever it works, and the verdict says so (checks/commands.ts).
 * 3. Otherwise several mtr processes side by side, each at the 1 s floor, started 1/N s apart: N
 *    rounds a second between them, merged into one trace (each keeps its own ICMP identifier, TCP
 *    ports or UDP ports, so replies never cross; checks/mtr.ts tells their sequence numbers apart).
 *    `userLanes` sizes N so the rounds a hop with one lost probe needs (39) fit in the time the limit
 *    leaves after START_OVERHEAD_MS: ceil(39 / 7) = 6 processes for the default 10 s, 6 rounds a
 *    second (root's pace is 10). Every probe still decides at the test's own error rates.
 *
 * The cost on the probe: N mtr and N mtr-packet processes for a few seconds, and a probe every 1/N s
 * to each hop, gentler than root's 0.1 s. MAX_USER_LANES caps it for short --max-time limits, where
 * the diagnosis then says the evidence did not settle, as it would for root.
 */
export const USER_INTERVAL_S = 1

/** The most mtr processes a non-root vantage point runs side by side. */
export const MAX_USER_LANES = 8

/**
 * What a diagnosis's time limit loses before rounds count, in the lab and on a cloud probe: the SSH
 * handshake (up to ~1 s), mtr's first round while it finds the hops (~1 s: the lanes start 1/N s
 * apart and each sends one round a second), the 1 s a probe takes to count as answered or lost
 * (RETRANSMITTED_REPLY_MS), and two readings 0.2 s apart that must agree.
 */
export const START_OVERHEAD_MS = 3000

/** The fewest probes the sequential test needs to call a hop clean when `lost` of them were lost. */
export function probesToClean(lost: number): number {
  let sent = Math.max(lost, 1)
  while (hopClass(sent, lost) !== 'clean') sent++
  return sent
}

/** The rounds a non-root trace aims for within its time limit: a hop with one lost probe settles. */
export const USER_TARGET_ROUNDS = probesToClean(1)

/**
 * How many mtr processes (1 s apart each) a non-root vantage point without passwordless sudo runs
 * side by side, for a diagnosis limited to `limitMs`: enough for USER_TARGET_ROUNDS rounds in the time
 * left after START_OVERHEAD_MS, at least MIN_ROUNDS, at most MAX_USER_LANES.
 */
export function userLanes(limitMs: number): number {
  const seconds = Math.max(1, (limitMs - START_OVERHEAD_MS) / 1000)
  const rounds = Math.max(USER_TARGET_ROUNDS, MIN_ROUNDS)
  return Math.min(MAX_USER_LANES, Math.max(1, Math.ceil(rounds / (seconds / USER_INTERVAL_S))))
}

/** The chance that a hop losing `lossPct` answers all of `probes` probes: how often "no loss seen" would misread it. */
export function passRate(lossPct: number, probes: number): number {
  return (1 - lossPct / 100) ** probes
}
