/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): keeps the first and the
 * last point and, from each of `threshold - 2` equal buckets in between, the point making
 * the largest triangle with the point kept before it and the mean of the next bucket, so
 * spikes survive. Pure, over typed arrays, O(n).
 */

/** A series: x ascending, y the values (NaN for a gap). */
export interface Series {
  x: Float64Array;
  y: Float64Array;
}

/**
 * At most `threshold` points of `x`, `y` (the first `n` of them, default all). A series
 * of `threshold` points or fewer (or a threshold under 3) comes back as copies, unchanged.
 */
export function lttb(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  threshold: number,
  n: number = Math.min(x.length, y.length)
): Series {
  if (threshold >= n || threshold < 3) {
    return {
      x: Float64Array.from({ length: n }, (_, i) => x[i]),
      y: Float64Array.from({ length: n }, (_, i) => y[i])
    };
  }
  const ox = new Float64Array(threshold);
  const oy = new Float64Array(threshold);
  const every = (n - 2) / (threshold - 2);
  let a = 0; // the point kept last
  ox[0] = x[0];
  oy[0] = y[0];
  for (let i = 0; i < threshold - 2; i++) {
    // the mean of the next bucket (the last point for the last bucket)
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    let count = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      if (!Number.isNaN(y[j])) {
        avgX += x[j];
        avgY += y[j];
        count++;
      }
    }
    if (count) {
      avgX /= count;
      avgY /= count;
    } else {
      avgX = x[n - 1];
      avgY = y[n - 1];
    }
    // the point of this bucket with the largest triangle
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const ax = x[a];
    const ay = y[a];
    let best = -1;
    let chosen = start;
    for (let j = start; j < end; j++) {
      const area = Math.abs(
        (ax - avgX) * (y[j] - ay) - (ax - x[j]) * (avgY - ay)
      );
      if (area > best) {
        best = area;
        chosen = j;
      }
    }
    ox[i + 1] = x[chosen];
    oy[i + 1] = y[chosen];
    a = chosen;
  }
  ox[threshold - 1] = x[n - 1];
  oy[threshold - 1] = y[n - 1];
  return { x: ox, y: oy };
}
