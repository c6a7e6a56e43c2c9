/**
 * The reconciler, one row per transition: given a resource and what SageMaker holds, one reconcile makes these
 * SageMaker calls, records these events, writes these conditions (at most one status write) and returns this Action.
 * In-memory ports and a fake clock: no HTTP, no timers. The e2e tests show the same against the real SDK and emulator.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { rows as accounts } from "./rows-accounts.js";
import { rows as cleanup } from "./rows-cleanup.js";
import { rows as converge } from "./rows-converge.js";
import { rows as lifecycle } from "./rows-lifecycle.js";
import { rows as memory } from "./rows-memory.js";
import { rows as pinned } from "./rows-pinned.js";
import { rows as tenancy } from "./rows-tenancy.js";
import { CONDITIONS, World } from "./world.js";

const rows = [...converge, ...lifecycle, ...accounts, ...pinned, ...tenancy, ...memory, ...cleanup];

describe("ProfileReconciler, one row per transition", () => {
  for (const row of rows)
    it(row.name, async () => {
      const w = new World();
      await row.given(w);
      const turn = await w.reconcile(row.context?.(w));
      expect(turn.calls.map((c) => c.op)).toEqual(row.calls);
      expect(turn.events).toEqual(row.events ?? []);
      expect(turn.finalizer).toEqual(row.finalizer ?? []);
      // Exactly one status write at most, awaited before reconcile returns.
      expect(turn.statusCalls).toBeLessThanOrEqual(1);
      if (row.status === "none") {
        expect(turn.writes).toHaveLength(0);
        if (!row.raises) expect(turn.statusCalls).toBe(0);
      } else if (row.status === "unchanged") expect([turn.statusCalls, turn.writes.length]).toEqual([1, 0]);
      else {
        const [kind, reason, message] = row.status;
        expect(turn.writes).toHaveLength(1);
        const conditions = Object.fromEntries((turn.writes[0]?.conditions ?? []).map((c) => [c.type, c]));
        for (const [type, status] of Object.entries(CONDITIONS[kind])) {
          expect(conditions[type], type).toMatchObject({ status, reason });
          if (message) expect(conditions[type]?.message).toMatch(message);
        }
        expect(turn.writes[0]?.observedGeneration).toBe(w.get()?.metadata.generation);
      }
      if (row.raises) expect(String(turn.error)).toMatch(row.raises);
      else {
        expect(turn.error).toBeUndefined();
        expect(turn.action).toEqual(row.action);
      }
      row.check?.(w, turn);
    });
});

describe("the table covers", () => {
  it("every condition reason in the README's table", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const table = readme.split("\n").filter((l) => /^\| `(Ready|Synced|Reconciling|Stalled)` /.test(l));
    expect(table).toHaveLength(4);
    const named = new Set(table.flatMap((l) => [...l.matchAll(/`([A-Za-z_]+)`/g)].map((m) => m[1] as string)));
    // The condition types themselves, and the SageMaker field the Stalled row mentions, are not reasons.
    for (const word of ["Ready", "Synced", "Reconciling", "Stalled", "FailureReason"]) named.delete(word);
    const covered = new Set(rows.flatMap((r) => (typeof r.status === "string" ? [] : [r.status[1]])));
    expect([...named].filter((reason) => !covered.has(reason))).toEqual([]);
    expect(named.size).toBeGreaterThan(15);
  });
});
