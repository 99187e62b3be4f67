/**
 * Engine hot-loop benchmark: what the engine costs per step over the bare minimum a generator-based
 * scheduler must pay, and which call style (`yield*` or the explicit stack `yield call(gen)`) is cheaper.
 *
 * Measured in one run, every variant once per repetition (interleaved, so drift on a noisy VM hits all
 * alike), after warm-up repetitions; the table shows medians:
 * (a) flat threads: a bare loop resuming plain generators that yield a small integer, a cheap xorshift
 *     picking the thread, versus the engine (Sites, RandomStrategy) on the same threads and steps;
 * (b) 5-deep call chains, bare and in the engine, written with `yield*` and with `yield call(gen)`:
 *     "stack" keeps one 5-deep chain per thread whose innermost function yields on every step;
 *     "fresh" calls a new 5-deep chain on every step (the kernel model's shape: every access goes down
 *     a few functions and back);
 * (c) executions per second of a 3-thread program of about 200 steps, state rebuilt each time.
 */
import { runExecution } from "../src/engine/execution.js";
import type { Program, ThreadSpec } from "../src/engine/program.js";
import { call, type Gen, newObject, read, write } from "../src/engine/runtime.js";
import { site } from "../src/engine/site.js";
import { RandomStrategy } from "../src/engine/strategy/random.js";

export const name = "engine";

const THREADS = 3;
const FLAT_STEPS = 200_000; // yields per thread and repetition, flat and "stack" variants
const FRESH_STEPS = 40_000; // calls per thread and repetition, "fresh" variants
const DEPTH = 5;
const EXEC_YIELDS = 66; // 3 threads × 67 steps = 201 steps per execution
const EXECS = 3_000; // executions per repetition
const WARMUP = 2;
const REPS = 7;

const S_FLAT = site("bench.c", 1, "flat", "step");
const S_DEEP = site("bench.c", 2, "deep", "step");
const S_EXEC = site("bench.c", 3, "exec", "step");

// ===== bare loops: the ceiling =====

/** The cheapest scheduler: resume a random live generator until all are done. Returns resumes. */
function bareRun(gens: Generator<unknown, unknown, unknown>[], seed: number): number {
  let x = seed | 1;
  let steps = 0;
  const live = gens.slice();
  while (live.length > 0) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const i = (x >>> 0) % live.length;
    steps++;
    if ((live[i] as Generator).next().done === true) {
      live[i] = live[live.length - 1] as Generator;
      live.pop();
    }
  }
  return steps;
}

/** Bare loop over per-thread explicit stacks: a yielded generator is pushed, a return pops. */
function bareStackRun(roots: Generator<unknown, unknown, unknown>[], seed: number): number {
  let x = seed | 1;
  let steps = 0;
  const stacks = roots.map((g) => [g]);
  const sends: unknown[] = roots.map(() => undefined);
  const live = roots.map((_, i) => i);
  while (live.length > 0) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const li = (x >>> 0) % live.length;
    const t = live[li] as number;
    const st = stacks[t] as Generator[];
    steps++;
    for (;;) {
      const r = (st[st.length - 1] as Generator).next(sends[t]);
      sends[t] = undefined;
      if (r.done === true) {
        st.pop();
        if (st.length === 0) {
          live[li] = live[live.length - 1] as number;
          live.pop();
          break;
        }
        sends[t] = r.value;
        continue;
      }
      if (typeof r.value === "object") {
        st.push(r.value as Generator);
        continue;
      }
      break;
    }
  }
  return steps;
}

function* bareFlat(n: number): Generator<number, void, unknown> {
  for (let i = 0; i < n; i++) yield 1;
}

function* bareStarLoop(d: number, n: number): Generator<number, number, unknown> {
  if (d === DEPTH) {
    for (let i = 0; i < n; i++) yield 1;
    return n;
  }
  return (yield* bareStarLoop(d + 1, n)) + 1;
}

function* bareStarOnce(d: number): Generator<number, number, unknown> {
  if (d === DEPTH) {
    yield 1;
    return 1;
  }
  return (yield* bareStarOnce(d + 1)) + 1;
}

function* bareStarFresh(n: number): Generator<number, void, unknown> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield* bareStarOnce(1);
  if (sum !== n * DEPTH) throw new Error("bad sum");
}

/** Explicit-stack style for the bare stack loop: yields the callee generator itself. */
function* bareCallOnce(d: number): Generator<unknown, number, unknown> {
  if (d === DEPTH) {
    yield 1;
    return 1;
  }
  return ((yield bareCallOnce(d + 1)) as number) + 1;
}

function* bareCallFresh(n: number): Generator<unknown, void, unknown> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield bareCallOnce(1)) as number;
  if (sum !== n * DEPTH) throw new Error("bad sum");
}

function* bareCallLoop(d: number, n: number): Generator<unknown, number, unknown> {
  if (d === DEPTH) {
    for (let i = 0; i < n; i++) yield 1;
    return n;
  }
  return ((yield bareCallLoop(d + 1, n)) as number) + 1;
}

// ===== the same threads as engine programs =====

function program(id: string, body: () => Gen<unknown>): Program {
  return {
    id,
    setup(): ThreadSpec[] {
      const threads: ThreadSpec[] = [];
      for (let t = 0; t < THREADS; t++) threads.push({ name: `T${t}`, run: body });
      return threads;
    },
  };
}

function* engFlat(): Gen<void> {
  for (let i = 0; i < FLAT_STEPS; i++) yield S_FLAT;
}

function* engStarLoop(d: number): Gen<number> {
  if (d === DEPTH) {
    for (let i = 0; i < FLAT_STEPS; i++) yield S_DEEP;
    return FLAT_STEPS;
  }
  return (yield* engStarLoop(d + 1)) + 1;
}

function* engCallLoop(d: number): Gen<number> {
  if (d === DEPTH) {
    for (let i = 0; i < FLAT_STEPS; i++) yield S_DEEP;
    return FLAT_STEPS;
  }
  return ((yield call(engCallLoop(d + 1))) as number) + 1;
}

function* engStarOnce(d: number): Gen<number> {
  if (d === DEPTH) {
    yield S_DEEP;
    return 1;
  }
  return (yield* engStarOnce(d + 1)) + 1;
}

function* engCallOnce(d: number): Gen<number> {
  if (d === DEPTH) {
    yield S_DEEP;
    return 1;
  }
  return ((yield call(engCallOnce(d + 1))) as number) + 1;
}

function* engStarFresh(): Gen<void> {
  let sum = 0;
  for (let i = 0; i < FRESH_STEPS; i++) sum += yield* engStarOnce(1);
  if (sum !== FRESH_STEPS * DEPTH) throw new Error("bad sum");
}

function* engCallFresh(): Gen<void> {
  let sum = 0;
  for (let i = 0; i < FRESH_STEPS; i++) sum += (yield call(engCallOnce(1))) as number;
  if (sum !== FRESH_STEPS * DEPTH) throw new Error("bad sum");
}

/** (c): three threads, 67 steps each, touching a small shared state rebuilt by setup(). */
function smallProgram(): Program {
  let s = { x: 0, y: 0, xObj: 0, yObj: 0 };
  function* worker(): Gen<void> {
    for (let i = 0; i < EXEC_YIELDS; i++) {
      read(s.xObj);
      write(s.yObj);
      s.y += s.x + 1;
      yield S_EXEC;
    }
  }
  return {
    id: "bench-small",
    setup(): ThreadSpec[] {
      s = { x: 1, y: 0, xObj: newObject(), yObj: newObject() };
      return [
        { name: "A", run: worker },
        { name: "B", run: worker },
        { name: "C", run: worker },
      ];
    },
  };
}

function bareSmall(seed: number): number {
  const s = { x: 1, y: 0 };
  function* worker(): Generator<number, void, unknown> {
    for (let i = 0; i < EXEC_YIELDS; i++) {
      s.y += s.x + 1;
      yield 1;
    }
  }
  return bareRun([worker(), worker(), worker()], seed);
}

// ===== measurement =====

interface Variant {
  readonly row: string;
  readonly col: string;
  /** Runs once; returns the work done (steps or executions). */
  readonly once: (rep: number) => number;
}

function engineSteps(p: Program, rep: number): number {
  const r = runExecution(p, new RandomStrategy(rep + 1), { maxSteps: Number.MAX_SAFE_INTEGER });
  if (r.verdict !== "completed") throw new Error(`${p.id}: ${r.verdict} ${r.error ?? ""}`);
  return r.steps;
}

const starLoopP = program("star-stack", () => engStarLoop(1));
const callLoopP = program("call-stack", () => engCallLoop(1));
const starFreshP = program("star-fresh", engStarFresh);
const callFreshP = program("call-fresh", engCallFresh);
const flatP = program("flat", engFlat);
const smallP = smallProgram();

const variants: Variant[] = [
  {
    row: "flat",
    col: "bare",
    once: (rep) => bareRun([bareFlat(FLAT_STEPS), bareFlat(FLAT_STEPS), bareFlat(FLAT_STEPS)], rep + 1),
  },
  { row: "flat", col: "engine", once: (rep) => engineSteps(flatP, rep) },
  {
    row: "5-deep stack",
    col: "bare yield*",
    once: (rep) =>
      bareRun(
        [0, 1, 2].map(() => bareStarLoop(1, FLAT_STEPS)),
        rep + 1,
      ),
  },
  {
    row: "5-deep stack",
    col: "bare call",
    once: (rep) =>
      bareStackRun(
        [0, 1, 2].map(() => bareCallLoop(1, FLAT_STEPS)),
        rep + 1,
      ),
  },
  { row: "5-deep stack", col: "engine yield*", once: (rep) => engineSteps(starLoopP, rep) },
  { row: "5-deep stack", col: "engine call", once: (rep) => engineSteps(callLoopP, rep) },
  {
    row: "5-deep fresh",
    col: "bare yield*",
    once: (rep) =>
      bareRun(
        [0, 1, 2].map(() => bareStarFresh(FRESH_STEPS)),
        rep + 1,
      ),
  },
  {
    row: "5-deep fresh",
    col: "bare call",
    once: (rep) =>
      bareStackRun(
        [0, 1, 2].map(() => bareCallFresh(FRESH_STEPS)),
        rep + 1,
      ),
  },
  { row: "5-deep fresh", col: "engine yield*", once: (rep) => engineSteps(starFreshP, rep) },
  { row: "5-deep fresh", col: "engine call", once: (rep) => engineSteps(callFreshP, rep) },
  {
    row: "executions",
    col: "bare",
    once: (rep) => {
      let steps = 0;
      for (let i = 0; i < EXECS; i++) steps += bareSmall(rep * EXECS + i + 1);
      if (steps !== EXECS * THREADS * (EXEC_YIELDS + 1)) throw new Error("bad step count");
      return EXECS;
    },
  },
  {
    row: "executions",
    col: "engine",
    once: (rep) => {
      const rnd = new RandomStrategy(rep + 1);
      for (let i = 0; i < EXECS; i++) {
        rnd.newExecution();
        const r = runExecution(smallP, rnd);
        rnd.endExecution(r);
        if (r.steps !== THREADS * (EXEC_YIELDS + 1)) throw new Error("bad step count");
      }
      return EXECS;
    },
  },
];

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export interface EngineBenchResult {
  /** Median rate per variant (steps/s, or executions/s for the `executions` row), keyed `row|col`. */
  readonly rates: ReadonlyMap<string, number>;
  readonly table: string;
}

/** Measures every variant and returns the medians with a markdown table. */
export function measure(reps = REPS, warmup = WARMUP): EngineBenchResult {
  const samples = new Map<string, number[]>();
  for (let rep = 0; rep < warmup + reps; rep++) {
    for (const v of variants) {
      const t0 = process.hrtime.bigint();
      const work = v.once(rep);
      const ns = Number(process.hrtime.bigint() - t0);
      if (rep < warmup) continue;
      const key = `${v.row}|${v.col}`;
      const list = samples.get(key) ?? [];
      list.push((work * 1e9) / ns);
      samples.set(key, list);
    }
  }
  const rates = new Map<string, number>();
  for (const [k, xs] of samples) rates.set(k, median(xs));
  return { rates, table: render(rates) };
}

function rate(rates: ReadonlyMap<string, number>, key: string): number {
  const r = rates.get(key);
  if (r === undefined) throw new Error(`no measurement for ${key}`);
  return r;
}

function fmtRate(r: number, unit: string): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)} M${unit}` : `${(r / 1e3).toFixed(1)} k${unit}`;
}

function fmtNs(r: number): string {
  return `${(1e9 / r).toFixed(0)} ns`;
}

function pct(a: number, b: number): string {
  return `${((100 * a) / b).toFixed(0)} %`;
}

function render(rates: ReadonlyMap<string, number>): string {
  const lines = ["| case | variant | rate | per step | vs bare |", "|---|---|---:|---:|---:|"];
  const row = (r: string, c: string, base: string): void => {
    const v = rate(rates, `${r}|${c}`);
    const b = rate(rates, `${r}|${base}`);
    lines.push(`| ${r} | ${c} | ${fmtRate(v, "steps/s")} | ${fmtNs(v)} | ${c === base ? "—" : pct(v, b)} |`);
  };
  row("flat", "bare", "bare");
  row("flat", "engine", "bare");
  for (const r of ["5-deep stack", "5-deep fresh"]) {
    row(r, "bare yield*", "bare yield*");
    row(r, "bare call", "bare yield*");
    row(r, "engine yield*", "bare yield*");
    row(r, "engine call", "bare yield*");
  }
  const be = rate(rates, "executions|bare");
  const ee = rate(rates, "executions|engine");
  const per = THREADS * (EXEC_YIELDS + 1);
  lines.push(`| executions (${per} steps, 3 threads) | bare | ${fmtRate(be, "exec/s")} | ${fmtNs(be * per)} | — |`);
  lines.push(
    `| executions (${per} steps, 3 threads) | engine | ${fmtRate(ee, "exec/s")} | ${fmtNs(ee * per)} | ${pct(ee, be)} |`,
  );
  const sc = rate(rates, "5-deep stack|engine call") / rate(rates, "5-deep stack|engine yield*");
  const fc = rate(rates, "5-deep fresh|engine call") / rate(rates, "5-deep fresh|engine yield*");
  lines.push("");
  lines.push(`engine call / engine yield*: ${sc.toFixed(2)}× (stack), ${fc.toFixed(2)}× (fresh)`);
  lines.push(`engine flat / bare flat: ${pct(rate(rates, "flat|engine"), rate(rates, "flat|bare"))} (goal ≥ 30 %)`);
  return lines.join("\n");
}

/** Entry point for bench/run.ts. */
export function run(): void {
  console.log(
    `engine: ${THREADS} threads; flat/stack ${FLAT_STEPS} yields per thread, fresh ${FRESH_STEPS} calls per ` +
      `thread, depth ${DEPTH}; ${EXECS} executions per repetition; medians of ${REPS} after ${WARMUP} warm-up`,
  );
  const { table } = measure();
  console.log(table);
}
