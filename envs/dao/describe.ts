/** A protocol in one line a person reads: quorum in votes and % of supply, thresholds in tokens, every duration in blocks and time. */
import type { Protocol } from './protocol.ts';
import { formatDuration } from './units.ts';

export function describeProtocol(p: Protocol, supply: number): string {
  const quorum =
    p.quorum.kind === 'fraction'
      ? `${+(p.quorum.fraction * 100).toFixed(4)} % of supply`
      : p.quorum.kind === 'absolute'
        ? `${p.quorum.votes.toLocaleString('en-US')} votes (${+((p.quorum.votes / supply) * 100).toFixed(4)} % of ${supply.toLocaleString('en-US')})`
        : p.quorum.kind === 'nouns'
          ? `nouns ${p.quorum.minBps}-${p.quorum.maxBps} bps, coefficient ${p.quorum.coefficient.toLocaleString('en-US')}`
          : p.quorum.kind;
  const threshold = p.proposalThreshold > 0 ? `threshold ${p.proposalThresholdRule === 'above' ? '>' : '>='} ${+(p.proposalThreshold * 100).toFixed(4)} % (${(p.proposalThreshold * supply).toLocaleString('en-US')} tokens)` : 'no threshold';
  return [
    `quorum ${quorum} (${p.quorumCounts})`,
    p.majority.kind === 'simple' ? 'simple majority' : p.majority.kind === 'supermajority' ? `supermajority ${p.majority.fraction}` : `differential ${p.majority.differentialBps} bps`,
    threshold,
    `delay ${formatDuration(p.votingDelay)}`,
    `period ${formatDuration(p.votingPeriod)}`,
    `timelock ${formatDuration(p.timelock)}`,
    `grace ${p.gracePeriod > 0 ? formatDuration(p.gracePeriod) : 'none'}`,
    `snapshot ${p.snapshot}`,
    ...(p.guardianVeto ? ['veto'] : []),
    ...(p.ragequit ? ['ragequit'] : []),
    ...(p.emergencyCommit ? [`emergencyCommit after ${formatDuration(p.emergencyCommit.afterBlocks)}`] : []),
  ].join(', ');
}
