import type { ChaosReport } from './scenario';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [line(headers), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The run as a person reads it: what was injected, what the purchases did, which invariants held. */
export function formatReport(report: ChaosReport): string {
  const accepted = report.plan.filter((purchase) => purchase.id);
  const retries = report.plan.reduce((sum, purchase) => sum + purchase.attempts - 1, 0);
  const kinds = ['complete', 'refuse', 'cancel'].map(
    (kind) => `${report.plan.filter((purchase) => purchase.kind === kind).length} ${kind}`,
  );
  return [
    `Chaos run: seed ${report.options.seed}, ${report.plan.length} purchases (${kinds.join(', ')}), ` +
      `${accepted.length} accepted, ${retries} client retries, ${seconds(report.elapsedMs)} in all`,
    '',
    'Faults injected',
    table(
      ['at', 'fault', 'detail'],
      report.faults.map((fault) => [seconds(fault.at), fault.fault, fault.detail]),
    ),
    '',
    'Invariants',
    table(
      ['invariant', 'held', 'figures'],
      report.invariants.map((invariant) => [invariant.name, invariant.held ? 'yes' : 'NO', invariant.figures]),
    ),
    ...report.invariants
      .filter((invariant) => !invariant.held)
      .map((invariant) => `\n${invariant.name} broken by:\n  ${invariant.violations.join('\n  ')}`),
  ].join('\n');
}
