// A throwaway PostgreSQL cluster for fault tests: initdb into a temp dir,
// started with pg_ctl on a free port (as user postgres when running as
// root, which initdb refuses), restarted and removed by the test.

import { join } from "node:path";

/** Where the server binaries live (PG_BIN overrides). */
export const PG_BIN: string = Deno.env.get("PG_BIN") ??
  "/usr/lib/postgresql/15/bin";

/** Whether a throwaway cluster can be started here, or why not. */
export async function clusterUnavailable(): Promise<string | undefined> {
  try {
    await Deno.stat(join(PG_BIN, "initdb"));
    return undefined;
  } catch {
    return `no PostgreSQL binaries in ${PG_BIN} (set PG_BIN)`;
  }
}

/** A running throwaway cluster. */
export interface Cluster {
  port: number;
  /** Superuser `postgres`, password `secret`. */
  url(opts?: { user?: string; password?: string; db?: string }): string;
  restart(): Promise<void>;
  /** Stops the server and deletes its files. */
  destroy(): Promise<void>;
}

const asRoot = Deno.uid() === 0;

async function sh(cmd: string, args: string[]): Promise<void> {
  const full = asRoot
    ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] as const
    : [cmd, args] as const;
  const out = await new Deno.Command(full[0], {
    args: [...full[1]],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${
        new TextDecoder().decode(out.stderr)
      }${new TextDecoder().decode(out.stdout)}`,
    );
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Creates and starts a cluster that requires the password `secret`. */
export async function startCluster(): Promise<Cluster> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_pg_" });
  if (asRoot) {
    const uid = Number(
      new TextDecoder().decode(
        (await new Deno.Command("id", { args: ["-u", "postgres"] }).output())
          .stdout,
      ),
    );
    const gid = Number(
      new TextDecoder().decode(
        (await new Deno.Command("id", { args: ["-g", "postgres"] }).output())
          .stdout,
      ),
    );
    await Deno.chown(dir, uid, gid);
  }
  const data = join(dir, "data");
  const pw = join(dir, "pw");
  await sh("sh", ["-c", `printf secret > '${pw}'`]);
  await sh(join(PG_BIN, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=scram-sha-256",
    `--pwfile=${pw}`,
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  const port = freePort();
  const ctl = (...args: string[]) =>
    sh(join(PG_BIN, "pg_ctl"), ["-D", data, "-l", join(dir, "log"), ...args]);
  await ctl(
    "-w",
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    "start",
  );
  return {
    port,
    url: (o = {}) =>
      `postgres://${o.user ?? "postgres"}:${
        o.password ?? "secret"
      }@127.0.0.1:${port}/${o.db ?? "postgres"}`,
    restart: () => ctl("-w", "-m", "fast", "restart"),
    destroy: async () => {
      try {
        await ctl("-w", "-m", "immediate", "stop");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  };
}
