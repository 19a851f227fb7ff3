/** The stream pool: at most `max()` open event streams, read live from the settings. */
import { createStreamPool, DEFAULT_SETTINGS } from '../context';

describe('createStreamPool', () => {
  it('grants up to max slots, once per key, and frees them', () => {
    const settings = { ...DEFAULT_SETTINGS, maxStreams: 2 };
    const pool = createStreamPool(() => settings.maxStreams);
    expect(pool.acquire('a')).toBe(true);
    expect(pool.acquire('a')).toBe(true); // the same stream again: no second slot
    expect(pool.acquire('b')).toBe(true);
    expect(pool.acquire('c')).toBe(false);
    pool.release('a');
    expect(pool.acquire('c')).toBe(true);
    expect(pool.acquire('a')).toBe(false);
    settings.maxStreams = 3; // the user raised it in the settings editor
    expect(pool.acquire('a')).toBe(true);
  });
});
