/**
 * Checkpoints of a long search: the runner's totals and the strategy's own state, written to a file at
 * intervals and when the run stops, so that a search of hours can stop (a budget, a crash, the end of a
 * working day) and go on later from where it was.
 *
 * File: the line `MMRACE-CHECKPOINT 1`, a 4-byte length and a JSON header, then each binary buffer as an
 * 8-byte length and its bytes (a fingerprint table can exceed what one JSON string holds). It is written
 * to a new temporary file beside FILE (`FILE.<pid>.tmp`, created exclusively: never someone's file) and
 * renamed over FILE, so a crash while writing leaves the previous checkpoint whole.
 * A checkpoint names what it belongs to (program, strategy options, build); reading it for anything else
 * is a usage error, never a silent mix of two searches.
 */
import * as fs from "node:fs";
import { UsageError } from "./errors.js";

const MAGIC = "MMRACE-CHECKPOINT 1\n";

/** A strategy's state in a checkpoint: JSON-able data and typed-array bytes. */
export interface SavedState {
  readonly data: unknown;
  readonly buffers: readonly Uint8Array[];
}

/** What a checkpoint belongs to; every field must match to resume from it. */
export interface CheckpointIdentity {
  /** The program and every option that changes its behaviour (scenario, configuration, patches). */
  readonly program: string;
  /** The strategy and its options. */
  readonly strategy: string;
  /** The code that explored the saved states (see scenarios/buildId.ts): other code may behave otherwise. */
  readonly build: string;
}

export interface Checkpoint {
  readonly identity: CheckpointIdentity;
  /** The runner's totals (runner.ts). */
  readonly runner: unknown;
  readonly strategy: SavedState;
}

/** Writes a checkpoint atomically (temporary file, then rename). */
export function writeCheckpoint(path: string, c: Checkpoint): void {
  const header = Buffer.from(
    JSON.stringify({ identity: c.identity, runner: c.runner, strategy: c.strategy.data }),
    "utf8",
  );
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openFile(tmp, "wx", "write");
  try {
    fs.writeSync(fd, MAGIC);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    fs.writeSync(fd, len);
    fs.writeSync(fd, header);
    fs.writeSync(fd, u64(c.strategy.buffers.length));
    for (const b of c.strategy.buffers) {
      fs.writeSync(fd, u64(b.byteLength));
      // Large buffers go in pieces: one write call is limited to 2 GiB.
      for (let off = 0; off < b.byteLength; off += 1 << 30) {
        fs.writeSync(fd, b, off, Math.min(1 << 30, b.byteLength - off));
      }
    }
    fs.fsyncSync(fd);
  } catch (e) {
    // A full disk, say: the previous checkpoint stays, the partial one goes.
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new UsageError(`cannot write checkpoint ${path}: ${(e as Error).message}`);
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, path);
}

/**
 * Reads the checkpoint at `path` if there is one (null if the file does not exist) and checks that it
 * belongs to `identity`. A file that is not a checkpoint, or is one of another search, is a UsageError:
 * it is left as it is, never overwritten.
 */
export function readCheckpoint(path: string, identity: CheckpointIdentity): Checkpoint | null {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new UsageError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  const notOne = (): UsageError => notACheckpoint(path);
  const header = parseHeader(path, bytes);
  let at = MAGIC.length + 4 + bytes.readUInt32LE(MAGIC.length);
  const u64At = (i: number): number => {
    if (i + 8 > bytes.length) throw notOne(); // truncated
    return Number(bytes.readBigUInt64LE(i));
  };
  const buffers: Uint8Array[] = [];
  const count = u64At(at);
  at += 8;
  for (let i = 0; i < count; i++) {
    const n = u64At(at);
    at += 8;
    if (at + n > bytes.length) throw notOne();
    // A copy with its own aligned buffer (typed views of 4-byte words need alignment).
    buffers.push(new Uint8Array(bytes.subarray(at, at + n)));
    at += n;
  }
  checkIdentity(path, header.identity, identity);
  return { identity: header.identity, runner: header.runner, strategy: { data: header.strategy, buffers } };
}

/** What a checkpoint's header says, read without its (possibly large) buffers: for `mmrace checkpoint`. */
export interface CheckpointHeader {
  readonly identity: CheckpointIdentity;
  readonly runner: unknown;
  /** The strategy's JSON part. */
  readonly strategy: unknown;
}

/** Reads the header of the checkpoint at `path`; a missing file or another kind of file is a UsageError. */
export function readCheckpointHeader(path: string): CheckpointHeader {
  const fd = openFile(path, "r", "read");
  try {
    const head = Buffer.alloc(MAGIC.length + 4);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (n < head.length || head.toString("latin1", 0, MAGIC.length) !== MAGIC) throw notACheckpoint(path);
    const len = head.readUInt32LE(MAGIC.length);
    const bytes = Buffer.alloc(head.length + len);
    head.copy(bytes);
    if (fs.readSync(fd, bytes, head.length, len, head.length) < len) throw notACheckpoint(path);
    return parseHeader(path, bytes);
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens a checkpoint file (or its temporary file); a failure is a UsageError naming it. */
function openFile(path: string, flags: string, verb: "read" | "write"): number {
  try {
    return fs.openSync(path, flags);
  } catch (e) {
    throw new UsageError(`cannot ${verb} checkpoint ${path}: ${(e as Error).message}`);
  }
}

function notACheckpoint(path: string): UsageError {
  return new UsageError(`${path} exists and is not a readable mmrace checkpoint; not touching it (give another file)`);
}

/** The JSON header of a checkpoint's bytes (at least the magic line, the length and the header). */
function parseHeader(path: string, bytes: Buffer): CheckpointHeader {
  if (bytes.length < MAGIC.length + 4 || bytes.toString("latin1", 0, MAGIC.length) !== MAGIC) {
    throw notACheckpoint(path);
  }
  const at = MAGIC.length + 4;
  const len = bytes.readUInt32LE(MAGIC.length);
  try {
    const h = JSON.parse(bytes.toString("utf8", at, at + len)) as CheckpointHeader;
    if (typeof h?.identity?.program !== "string") throw new Error("no identity");
    return h;
  } catch {
    throw notACheckpoint(path);
  }
}

function checkIdentity(path: string, saved: CheckpointIdentity | undefined, want: CheckpointIdentity): void {
  for (const k of ["program", "strategy", "build"] as const) {
    const a = saved?.[k];
    if (a === want[k]) continue;
    const what =
      k === "build"
        ? "was written by another build of mmrace (its model or engine code differs, so its states may not match)"
        : `is for ${k} '${a}', not '${want[k]}'`;
    throw new UsageError(`checkpoint ${path} ${what}; give another file to start a new search`);
  }
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}
