/**
 * Pairing the elements of a desired list of structures with the observed ones. A list is a bag of elements, so
 * "equal" means a one-to-one pairing exists, whatever the order: a maximum bipartite matching (Kuhn's augmenting
 * paths) answers that without depending on the order in which SageMaker returns the elements.
 */

/** For each desired index, the observed index it is paired with, or undefined. */
export type Pairs = (number | undefined)[];

/**
 * A maximum matching between `n` desired and `m` observed elements over the edges `edge(i, j)`, grown from
 * `initial` (kept pairs may be re-paired, never lost).
 */
export function maximumMatching(n: number, m: number, edge: (i: number, j: number) => boolean, initial?: Pairs): Pairs {
  const adjacent: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < m; j++) if (edge(i, j)) row.push(j);
    adjacent.push(row);
  }
  const pairs: Pairs = initial ? [...initial] : new Array<number | undefined>(n).fill(undefined);
  const owner: (number | undefined)[] = new Array<number | undefined>(m).fill(undefined);
  pairs.forEach((j, i) => {
    if (j !== undefined) owner[j] = i;
  });
  const augment = (i: number, seen: boolean[]): boolean => {
    for (const j of adjacent[i] ?? []) {
      if (seen[j]) continue;
      seen[j] = true;
      const holder = owner[j];
      if (holder === undefined || augment(holder, seen)) {
        pairs[i] = j;
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < n; i++) if (pairs[i] === undefined) augment(i, new Array<boolean>(m).fill(false));
  return pairs;
}

/** Every desired element is paired and no observed element is left over. */
export function isPerfect(pairs: Pairs, observedCount: number): boolean {
  return pairs.length === observedCount && pairs.every((j) => j !== undefined);
}
