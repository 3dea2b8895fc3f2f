/** An HTTP answer as the probing tests read it: the status, and the body as JSON when it is JSON, else as text. */
export interface Answer {
  status: number;
  body: any;
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  return { status: response.status, body };
}

/**
 * Asks `ask` every 250 ms until `done` holds for its answer (an error counts as no answer); after 90 s fails with the
 * last answer and the end of the process's output.
 */
export async function eventually<T>(what: string, ask: () => Promise<T>, done: (answer: T) => boolean, output: () => string[] = () => []) {
  const deadline = Date.now() + 90_000;
  let last: unknown = 'no answer yet';
  for (;;) {
    try {
      const answer = await ask();
      if (done(answer)) return answer;
      last = answer;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} did not happen; last answer: ${JSON.stringify(last)}\n${output().slice(-30).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
