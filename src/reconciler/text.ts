/** Small text helpers for condition messages and event notes. */

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** Condition messages stay readable (and well under the API server's limits). */
export const truncate = (s: string, n = 1000): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
