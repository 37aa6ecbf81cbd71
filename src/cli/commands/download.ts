/** `bnlenet download`: wires the flags to prepareDataset and its events to the console. */
import { Command } from 'commander';
import {
  DEADLINE_VARIABLE,
  DEFAULT_HTTP_OPTIONS as HTTP,
  DEFAULT_PUBLIC_MIRRORS,
  DEFAULT_SYSTEM_DATA_DIR,
  parseMirrorUrl,
  prepareDataset,
  resolveDataDir,
} from '../../data';
import { createDownloadReporter } from '../../report/download-progress';
import { pathValue, positiveNumber } from '../flags';
import type { StopController } from '../stop-controller';
import { withExamples } from '../help';

interface DownloadFlags {
  dataDir?: string;
  mirror?: string[];
  force?: boolean;
  timeout?: number;
}

const HELP = `
Sources, tried in order for each of the four files:
  1. the copy already in the data dir, if it verifies (then nothing is written)
  2. with --mirror: those mirrors only, in the order given (URL = mirror + file name)
     without --mirror: the system copy in ${DEFAULT_SYSTEM_DATA_DIR}
     (Debian's dataset-fashion-mnist), then the public locations
       ${DEFAULT_PUBLIC_MIRRORS.join('\n       ')}

A file is accepted when the SHA-256 of its decompressed bytes is the original's (re-gzipped
copies pass) or when the .gz has the published MD5. It is downloaded to a temporary file in
the data dir and renamed into place only once verified, so the data dir never holds a partial
or unverified file, and concurrent runs are safe. Network errors, timeouts and HTTP 5xx are
retried with exponential backoff; redirects are followed. Each file gets --timeout seconds
in all (every source and retry included): the attempt in flight is then abandoned and no
new one starts, so a server that trickles cannot hold a download forever. A copy larger
than a valid one can be (its known size, plus gzip's worst case) is refused unread: a
download as soon as its Content-Length says so or that many bytes have arrived. Nothing
decompresses past the original's size, so a gzip bomb costs no more memory than the real file.

Environment:
  BNLENET_DATA_DIR          the data dir when --data-dir is not given (default ./data)
  BNLENET_SYSTEM_DATA_DIR   the system copy to use instead of ${DEFAULT_SYSTEM_DATA_DIR};
                            set but empty: no system copy
  BNLENET_PUBLIC_MIRRORS    comma-separated base URLs to use instead of the public
                            locations; set but empty: none
  BNLENET_HTTP_TIMEOUT_MS   connect and idle timeout in ms (default ${HTTP.connectTimeoutMs} to
                            connect, ${HTTP.idleTimeoutMs} without data)
  BNLENET_HTTP_RETRIES      retries per source after a retryable failure (default ${HTTP.retries})
  ${DEADLINE_VARIABLE}  seconds each file may take, as --timeout (which wins); train
                            and the other commands that fetch data read it too
`;

export function downloadCommand(stop: StopController): Command {
  const command = new Command('download')
    .summary('fetch and verify Fashion-MNIST into the data dir')
    .description('Fetch the four Fashion-MNIST files into the data dir and verify them; idempotent.')
    .option('--data-dir <dir>', 'where the files go (default: $BNLENET_DATA_DIR, else ./data)', pathValue)
    .option(
      '--mirror <url>',
      'base URL to fetch from instead of the default sources; repeatable',
      // No default array: commander would print "(default: [])" in the help.
      (value: string, previous: string[] | undefined) => [...(previous ?? []), parseMirrorUrl(value, '--mirror')],
    )
    .option('--force', 'fetch again over verified copies (each stays until a verified new one replaces it)')
    .option(
      '--timeout <seconds>',
      `give up on a file after this many seconds, all sources and retries included (default: $${DEADLINE_VARIABLE}, else ${HTTP.deadlineMs / 1000})`,
      positiveNumber,
    )
    .addHelpText('after', HELP)
    .action(async (flags: DownloadFlags) => {
      const reporter = createDownloadReporter();
      stop.stopCleanly('stopping the download and removing its temporary files');
      try {
        await prepareDataset({
          dataDir: resolveDataDir(flags.dataDir),
          mirrors: flags.mirror ?? [],
          force: flags.force === true,
          onEvent: reporter.onEvent,
          signal: stop.signal,
          http: flags.timeout === undefined ? undefined : { deadlineMs: flags.timeout * 1000 },
        });
      } finally {
        reporter.close();
      }
    });
  return withExamples(command, [
    ['the four files into ./data (from the system copy or the public locations)', 'bnlenet download'],
    ['from your own mirror only, into another dir', 'bnlenet download --mirror http://mirror.example/fashion --data-dir /srv/fmnist'],
    ['fetch again over a verified copy', 'bnlenet download --force'],
  ]);
}
