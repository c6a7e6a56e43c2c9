/**
 * Runs Argo CD resource health scripts with a real Lua interpreter (Debian's lua5.1 / lua5.4; .ci/run installs them).
 * Argo CD's interpreter (gopher-lua) is Lua 5.1, so the scripts must run on both. `obj` is passed as Argo CD passes it:
 * a global table converted from the object's JSON (arrays 1-based, null fields absent).
 */
import { spawnSync } from "node:child_process";

/** The Lua interpreters found on PATH (or $LUA). */
export const luaInterpreters: string[] = (process.env.LUA ? [process.env.LUA] : ["lua5.1", "lua5.4"]).filter(
  (bin) => spawnSync(bin, ["-v"], { encoding: "utf8" }).status === 0,
);

/** A Lua literal for a JSON value; strings escaped with \ddd so both Lua 5.1 and 5.4 read them. */
export function toLua(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toString();
  if (typeof value === "string")
    return `"${Array.from(new TextEncoder().encode(value), (b) =>
      b < 32 || b === 34 || b === 92 || b > 126 ? `\\${String(b).padStart(3, "0")}` : String.fromCharCode(b),
    ).join("")}"`;
  if (Array.isArray(value)) return `{${value.map(toLua).join(", ")}}`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined);
  return `{${entries.map(([k, v]) => `[${toLua(k)}] = ${toLua(v)}`).join(", ")}}`;
}

export interface Health {
  status: string;
  message: string;
}

/** Runs `script` (a file) with the global `obj`, as Argo CD does, and returns the table it returns. */
export function runHealthScript(lua: string, script: string, obj: unknown): Health {
  const program = [
    `obj = ${toLua(obj)}`,
    `local hs = dofile(${toLua(script)})`,
    `io.write(tostring(hs.status), "\\n", tostring(hs.message))`,
  ].join("\n");
  const r = spawnSync(lua, ["-"], { input: program, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${lua} failed (exit ${r.status}): ${r.stderr}`);
  const [status = "", ...message] = r.stdout.split("\n");
  return { status, message: message.join("\n") };
}
