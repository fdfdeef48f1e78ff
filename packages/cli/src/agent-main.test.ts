// When the agent gets the launcher's heap limits: always, unless the user set their own.
import { describe, expect, it } from 'vitest';
import { HEAP_LIMITS_ENV, ownHeapLimits } from './agent-main.ts';

describe('ownHeapLimits', () => {
  it('gives the agent our limits when nothing else sets them', () => {
    expect(ownHeapLimits({}, [])).toBeNull();
    expect(ownHeapLimits({ NODE_OPTIONS: '--enable-source-maps' }, ['--no-warnings'])).toBeNull();
  });

  it("leaves the heap to NODE_OPTIONS or node's flags when they size it", () => {
    expect(ownHeapLimits({ NODE_OPTIONS: '--max-old-space-size=512' }, [])).toBe('NODE_OPTIONS');
    expect(ownHeapLimits({ NODE_OPTIONS: '--inspect --max_semi_space_size=4' }, [])).toBe('NODE_OPTIONS');
    expect(ownHeapLimits({}, ['--max-heap-size=300'])).toBe("node's flags");
  });

  it(`runs with V8's own sizing when ${HEAP_LIMITS_ENV}=off`, () => {
    expect(ownHeapLimits({ [HEAP_LIMITS_ENV]: 'off' }, [])).toBe(`${HEAP_LIMITS_ENV}=off`);
    expect(ownHeapLimits({ [HEAP_LIMITS_ENV]: 'on' }, [])).toBeNull();
  });
});
