/** Reading Prometheus text (a process's `/metrics`), for the suites and the benchmarks. */

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Every sample of one metric, with its labels. */
export function samplesOf(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries(
      (match[2] ?? '')
        .split(/,(?=\w+=)/)
        .filter(Boolean)
        .map((pair) => {
          const at = pair.indexOf('=');
          return [pair.slice(0, at), pair.slice(at + 2, -1)];
        }),
    );
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

const hasLabels = (sample: Sample, labels: Record<string, string>) =>
  Object.entries(labels).every(([key, value]) => sample.labels[key] === value);

/** One sample's value, by metric name and exact labels (all of them). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return samplesOf(text, name).find(
    (one) => Object.keys(one.labels).length === Object.keys(labels).length && hasLabels(one, labels),
  )?.value;
}

/** The sum of every sample of a metric whose labels include the given ones. */
export function sumOf(text: string, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(text, name)
    .filter((one) => hasLabels(one, labels))
    .reduce((total, one) => total + one.value, 0);
}
