import { defaultPayloadConverter } from '@temporalio/common';
import { traced } from '../../../workflows/interceptors';

const withTraceparent = (traceparent: string) => ({ '_tracer-data': defaultPayloadConverter.toPayload({ traceparent }) });

describe('whether a workflow run records its spans', () => {
  it('skips them for a start whose trace context is not sampled (a gateway that exports no spans)', () => {
    expect(traced(withTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'))).toBe(false);
  });

  it('records them for a sampled trace context, and for a start that carries none (the CLI, another client)', () => {
    expect(traced(withTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'))).toBe(true);
    expect(traced({})).toBe(true);
  });
});
