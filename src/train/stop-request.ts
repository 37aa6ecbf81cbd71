/**
 * Ctrl-C and SIGTERM during training: the first one asks the loop to finish the batch in
 * flight, checkpoint and stop (exit 130); a second one exits at once, as users expect.
 */
export interface StopRequest {
  requested(): boolean;
  dispose(): void;
}

export function listenForStop(onFirst?: (signal: NodeJS.Signals) => void): StopRequest {
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (received) process.exit(130);
    received = signal;
    onFirst?.(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    requested: () => received !== undefined,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
