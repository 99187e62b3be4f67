/**
 * User scenarios: a JSON file with the same shape as a built-in (src/scenarios/types.ts), validated field
 * by field so that a mistake is one line saying where ("threads[1].ops[0].op: unknown operation 'opne'").
 */
import { readFileSync } from "node:fs";
import { UsageError } from "../engine/errors.js";
import type { FileSpec, Scenario, ThreadOp, ThreadSpecData } from "./types.js";

type Json = unknown;

function fail(path: string, what: string): never {
  throw new UsageError(`${path}: ${what}`);
}

function obj(v: Json, path: string): Record<string, Json> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "must be an object");
  return v as Record<string, Json>;
}

function only(o: Record<string, Json>, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${path}.${k}`, "unknown field");
}

function str(v: Json, path: string): string {
  if (typeof v !== "string" || v.length === 0) fail(path, "must be a non-empty string");
  return v;
}

function nat(v: Json, path: string, max = 1 << 20): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)
    fail(path, `must be a whole number from 0 to ${max}`);
  return v;
}

/** A byte count or offset in whole pages: partial pages (shmem_undo_range's zeroing) are not modelled. */
function pageAligned(v: Json, path: string): number {
  const n = nat(v, path, 2 ** 40);
  if (n % 4096 !== 0) fail(path, "must be a multiple of 4096 (partial pages are not modelled)");
  return n;
}

function arr(v: Json, path: string): Json[] {
  if (!Array.isArray(v)) fail(path, "must be an array");
  return v;
}

function op(v: Json, path: string, depth: number): ThreadOp {
  const o = obj(v, path);
  const name = str(o.op, `${path}.op`);
  switch (name) {
    case "open-for-write":
    case "munmap":
    case "close":
      only(o, path, ["op"]);
      return { op: name };
    case "collapse-file":
      only(o, path, ["op", "start"]);
      return { op: name, start: nat(o.start, `${path}.start`) };
    case "end-page-writeback":
      only(o, path, ["op", "index"]);
      return { op: name, index: nat(o.index, `${path}.index`) };
    case "truncate":
      only(o, path, ["op", "size"]);
      return { op: name, size: pageAligned(o.size, `${path}.size`) };
    case "punch-hole": {
      only(o, path, ["op", "offset", "len"]);
      const len = pageAligned(o.len, `${path}.len`);
      if (len === 0) fail(`${path}.len`, "must be at least one page (4096)");
      return { op: name, offset: pageAligned(o.offset, `${path}.offset`), len };
    }
    case "shmem-truncate":
      // Before session 5 this op called shmem_undo_range(lstart, lend) directly, which no kernel path does.
      return fail(
        `${path}.op`,
        "'shmem-truncate' was replaced by 'truncate' {size} (shmem_setattr) and 'punch-hole' {offset, len} (shmem_fallocate)",
      );
    case "map-read":
      only(o, path, ["op", "start", "nr"]);
      return { op: name, start: nat(o.start, `${path}.start`), nr: nat(o.nr, `${path}.nr`) };
    case "repeat":
      only(o, path, ["op", "times", "ops"]);
      if (depth > 4) fail(path, "repeats nest at most 4 deep");
      return {
        op: name,
        times: nat(o.times, `${path}.times`, 1000),
        ops: arr(o.ops, `${path}.ops`).map((x, i) => op(x, `${path}.ops[${i}]`, depth + 1)),
      };
    default:
      return fail(`${path}.op`, `unknown operation '${name}'`);
  }
}

function fileSpec(v: Json, path: string): FileSpec {
  const o = obj(v, path);
  only(o, path, ["kind", "cache", "writeback", "openForWrite"]);
  if (o.kind !== "regular" && o.kind !== "shmem") fail(`${path}.kind`, "must be 'regular' or 'shmem'");
  if (o.cache !== "thp" && o.cache !== "small") fail(`${path}.cache`, "must be 'thp' or 'small'");
  return {
    kind: o.kind,
    cache: o.cache,
    writeback:
      o.writeback === undefined
        ? undefined
        : arr(o.writeback, `${path}.writeback`).map((x, i) => nat(x, `${path}.writeback[${i}]`)),
    openForWrite: o.openForWrite === undefined ? undefined : nat(o.openForWrite, `${path}.openForWrite`, 1000),
  };
}

function thread(v: Json, path: string): ThreadSpecData {
  const o = obj(v, path);
  only(o, path, ["name", "cpu", "comm", "ops"]);
  const ops = arr(o.ops, `${path}.ops`).map((x, i) => op(x, `${path}.ops[${i}]`, 0));
  if (ops.length === 0) fail(`${path}.ops`, "must list at least one operation");
  return {
    name: str(o.name, `${path}.name`),
    cpu: nat(o.cpu, `${path}.cpu`, 255),
    comm: str(o.comm, `${path}.comm`),
    ops,
  };
}

/**
 * Operations modelled for one kind of file only: tmpfs truncation goes through shmem_setattr/shmem_fallocate,
 * and mmap of a tmpfs file faults through shmem_fault, which is not modelled (filemap_fault is not it).
 */
const OP_FILE_KIND: Partial<Record<ThreadOp["op"], FileSpec["kind"]>> = {
  "map-read": "regular",
  truncate: "shmem",
  "punch-hole": "shmem",
};

const ONLY_FOR: Readonly<Record<FileSpec["kind"], string>> = {
  regular: "regular files only (tmpfs faults are not)",
  shmem: 'tmpfs files only (file.kind "shmem")',
};

/** Every operation of a list, those inside `repeat` included. */
function flatOps(ops: readonly ThreadOp[]): ThreadOp[] {
  return ops.flatMap((x) => (x.op === "repeat" ? [x, ...flatOps(x.ops)] : [x]));
}

/** Validates parsed JSON as a Scenario. */
export function parseScenario(v: Json, where: string): Scenario {
  const o = obj(v, where);
  only(o, where, ["name", "summary", "description", "sources", "file", "threads", "hpageNr"]);
  const name = str(o.name, `${where}.name`);
  if (!/^[A-Za-z0-9_+-]+$/.test(name)) fail(`${where}.name`, "may contain only letters, digits, '_', '+' and '-'");
  const threads = arr(o.threads, `${where}.threads`).map((t, i) => thread(t, `${where}.threads[${i}]`));
  if (threads.length < 1 || threads.length > 26) fail(`${where}.threads`, "must list 1 to 26 threads");
  const file = fileSpec(o.file, `${where}.file`);
  threads.forEach((t, i) => {
    for (const x of flatOps(t.ops)) {
      const kind = OP_FILE_KIND[x.op];
      if (kind !== undefined && kind !== file.kind)
        fail(`${where}.threads[${i}]`, `'${x.op}' is modelled for ${ONLY_FOR[kind]}`);
    }
  });
  let hpageNr: number | undefined;
  if (o.hpageNr !== undefined) {
    hpageNr = nat(o.hpageNr, `${where}.hpageNr`, 512);
    if (hpageNr < 2 || (hpageNr & (hpageNr - 1)) !== 0)
      fail(`${where}.hpageNr`, "must be a power of two from 2 to 512");
  }
  return {
    name,
    summary: str(o.summary, `${where}.summary`),
    description: o.description === undefined ? "" : str(o.description, `${where}.description`),
    sources:
      o.sources === undefined ? [] : arr(o.sources, `${where}.sources`).map((x, i) => str(x, `${where}.sources[${i}]`)),
    file,
    threads,
    hpageNr,
  };
}

/** Loads a scenario from a JSON file; unreadable or invalid files are a one-line UsageError. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new UsageError(`cannot read scenario file ${path}: ${code === "ENOENT" ? "no such file" : code}`);
  }
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return { ...parseScenario(json, path), path };
}
