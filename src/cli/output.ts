/** Shared CLI helpers: reading manifest files and directories, printing problems, ANSI colour only on a terminal. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { formatProblem, type ManifestProblem } from "../api/validation.js";

export interface Palette {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const ansi =
  (open: number, close: number) =>
  (s: string): string =>
    `\u001b[${open}m${s}\u001b[${close}m`;
const plain = (s: string): string => s;

/** Colours when the stream is a terminal and NO_COLOR is unset or empty (https://no-color.org). */
export function palette(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Palette {
  if (!stream.isTTY || env.NO_COLOR) return { red: plain, green: plain, yellow: plain, bold: plain, dim: plain };
  return { red: ansi(31, 39), green: ansi(32, 39), yellow: ansi(33, 39), bold: ansi(1, 22), dim: ansi(2, 22) };
}

/** Commander option parser for repeatable options. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export interface ManifestFile {
  /** The path as the user wrote it, or joined with its directory. */
  path: string;
  /** The file's text, or why it could not be read. */
  text?: string;
  error?: string;
}

const isManifestName = (name: string): boolean => /\.ya?ml$/i.test(name);

/**
 * Reads the files named by `-f` arguments, in order: a directory means its *.yaml and *.yml files (not recursive,
 * sorted). An unreadable path, or a directory without manifests, comes back with an `error`.
 */
export function readManifestFiles(paths: string[]): ManifestFile[] {
  const files: ManifestFile[] = [];
  const read = (path: string) => {
    try {
      files.push({ path, text: readFileSync(path, "utf8") });
    } catch (e) {
      files.push({ path, error: `cannot read: ${errorMessage(e)}` });
    }
  };
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (e) {
      files.push({ path, error: `cannot read: ${errorMessage(e)}` });
      continue;
    }
    if (!isDirectory) {
      read(path);
      continue;
    }
    const names = readdirSync(path).filter(isManifestName).sort();
    if (names.length === 0) files.push({ path, error: "no *.yaml or *.yml files in directory" });
    for (const name of names) read(join(path, name));
  }
  return files;
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function printProblems(problems: ManifestProblem[], write: (line: string) => void): void {
  for (const p of problems) write(formatProblem(p));
}

/** Writes a line to stdout / stderr. */
export const out = (line: string): void => void process.stdout.write(`${line}\n`);
export const err = (line: string): void => void process.stderr.write(`${line}\n`);

/** A spec JSON pointer as people read it: `/userSettings/customImages/0/imageName` -> `customImages[0].imageName`. */
export function displayPath(pointer: string): string {
  const segments = pointer
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
  if (segments[0] === "userSettings" && segments.length > 1) segments.shift();
  return segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), "");
}

const displayValue = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * One drift change as diff lines: `~ path: old -> new` (via the engine's formatChange), `+ path: value` for a field
 * SageMaker does not have, and for lists the items added and removed (`+ securityGroups: sg-1`), order ignored.
 */
export function renderChange(
  change: { path: string; from: unknown; to: unknown },
  formatChange: (c: { path: string; from: unknown; to: unknown }) => string,
): string[] {
  const path = displayPath(change.path);
  const { from, to } = change;
  if (Array.isArray(to) && (from === undefined || Array.isArray(from))) {
    const key = (v: unknown) => JSON.stringify(v);
    const before = new Set((from ?? []).map(key));
    const after = new Set(to.map(key));
    const added = to.filter((v) => !before.has(key(v)));
    const removed = (from ?? []).filter((v) => !after.has(key(v)));
    const lines = [
      ...added.map((v) => `+ ${path}: ${displayValue(v)}`),
      ...removed.map((v) => `- ${path}: ${displayValue(v)}`),
    ];
    if (lines.length > 0) return lines;
  }
  if (from === undefined) return [`+ ${path}: ${displayValue(to)}`];
  return [`~ ${formatChange(change)}`];
}

/**
 * An observed member the update leaves out (a member group): `- rStudioServerProAppSettings.userGroup: R_STUDIO_ADMIN
 * (why)`, or `~ … -> None (why)` when the request clears it.
 */
export function renderDropped(d: {
  path: string;
  observed: unknown;
  declared?: unknown;
  sent?: string;
  reason: string;
}): string {
  const path = displayPath(d.path);
  if (d.declared !== undefined) return `! ${path}: ${displayValue(d.declared)} declared, not sent (${d.reason})`;
  return d.sent === undefined
    ? `- ${path}: ${displayValue(d.observed)} (${d.reason})`
    : `~ ${path}: ${displayValue(d.observed)} -> ${d.sent} (${d.reason})`;
}
