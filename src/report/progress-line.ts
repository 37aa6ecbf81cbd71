/**
 * One status line on a terminal, redrawn in place: a bar between fixed texts, fitted to the
 * terminal's width. When the line is too wide the bar shrinks first (down to 10 cells), then
 * the optional parts go, least useful first, so the ETA and the loss stay in view. A resize of
 * the terminal redraws it at the new width.
 */
import { outputWidth } from './terminal-width';

export interface ProgressState {
  /** Always shown, before the bar: "epoch 3/10". */
  label: string;
  /** 0..1 */
  fraction: number;
  /** After the bar, in order; the later ones are dropped first when the line is too wide. */
  parts: string[];
}

const MIN_BAR = 10;
const MAX_BAR = 30;

/** The line for `state` in at most `width` columns (unlimited when undefined). */
export function progressText(state: ProgressState, width: number | undefined): string {
  const room = (width ?? 120) - 1; // the last column would wrap on some terminals
  const bar = (cells: number) => {
    const full = Math.round(Math.min(1, Math.max(0, state.fraction)) * cells);
    return `[${'█'.repeat(full)}${'░'.repeat(cells - full)}]`;
  };
  for (let kept = state.parts.length; kept >= 0; kept--) {
    const tail = state.parts.slice(0, kept).map((p) => ` | ${p}`).join('');
    const fixed = state.label.length + 2 + tail.length; // label, space, bar brackets' neighbour space
    const cells = Math.min(MAX_BAR, room - fixed - 2);
    if (cells >= MIN_BAR) return `${state.label} ${bar(cells)}${tail}`;
  }
  return `${state.label}${state.parts.length ? ` | ${state.parts[0]}` : ''}`.slice(0, room);
}

export class ProgressLine {
  private state?: ProgressState;
  private drawn = false;
  private readonly onResize = () => this.draw();

  constructor(private readonly stream: NodeJS.WriteStream) {
    stream.on('resize', this.onResize);
  }

  update(state: ProgressState): void {
    this.state = state;
    this.draw();
  }

  private draw(): void {
    if (!this.state) return;
    // Carriage return, the line, then erase whatever a longer earlier line left to the right.
    this.stream.write(`\r${progressText(this.state, outputWidth(this.stream))}\x1b[K`);
    this.drawn = true;
  }

  /** Erases the line and stops following resizes. */
  clear(): void {
    this.stream.off('resize', this.onResize);
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
    this.state = undefined;
  }
}
