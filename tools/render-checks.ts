/**
 * The render's checks of what it rendered: schema validation of the Kubernetes objects
 * (tools/schema.ts) and the IAM paths over the rendered policies (tools/iam-check.ts). Neither needs
 * the program, so when tools/run.cjs started the render they run on a worker thread: it loads their
 * libraries while the program runs and checks while the render writes its files, on the core the
 * render leaves idle. Elsewhere (tests, tsx) they run in the render's own thread. Either way the
 * reports are the same.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import type { IamReport } from "./iam-paths";
import type { InventoryEntry } from "./inventory";
import { canRunTools, startWorker } from "./run.cjs";
import type { SchemaReport } from "./schema";

export interface RenderChecks {
  schema: SchemaReport;
  iam: IamReport;
}

export interface CheckInput {
  manifests: { file: string; object: Record<string, unknown> }[];
  inventory: InventoryEntry[];
}

/** Both checks, in this thread (each library is loaded when first asked for). */
export async function runChecks({ manifests, inventory }: CheckInput): Promise<RenderChecks> {
  const [{ validateObjects }, { checkIamPaths }] = await Promise.all([import("./schema"), import("./iam-check")]);
  return { schema: await validateObjects(manifests), iam: await checkIamPaths(inventory) };
}

type Reply = { checks: RenderChecks } | { error: string };

export interface PendingChecks {
  /** The reports for what was rendered. */
  run(input: CheckInput): Promise<RenderChecks>;
  /** Stops the worker when the render fails before its checks. */
  cancel(): void;
}

/** Starts the checks ahead of the render: on a worker when the hooks of tools/run.cjs are there to compile it. */
export function startChecks(): PendingChecks {
  if (!canRunTools()) return { run: runChecks, cancel: () => undefined };
  const worker = startWorker(__filename);
  // Idle until asked, it does not keep a failed render's process alive.
  worker.unref();
  // Listened for from the start: a worker that fails before it is asked fails the render when it asks.
  const reports = new Promise<RenderChecks>((done, fail) => {
    worker.once("message", (reply: Reply) => ("checks" in reply ? done(reply.checks) : fail(new Error(reply.error))));
    worker.once("error", fail);
    worker.once("exit", (code) => fail(new Error(`the render's checks stopped (exit ${code}) before reporting`)));
  });
  reports.catch(() => undefined);
  return {
    run: (input) => {
      worker.ref();
      worker.postMessage(input);
      return reports;
    },
    cancel: () => void worker.terminate(),
  };
}

/** The worker: loads both checkers at once, then checks the one render it is sent. */
function serveChecks(): void {
  const port = parentPort!;
  const loaded = Promise.all([import("./schema"), import("./iam-check")]);
  port.once("message", (input: CheckInput) => {
    loaded
      .then(() => runChecks(input))
      .then(
        (checks) => port.postMessage({ checks } satisfies Reply),
        (err: unknown) => port.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies Reply),
      );
  });
}

if (!isMainThread && require.main === module) serveChecks();
