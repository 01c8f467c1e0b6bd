/**
 * A one-line progress bar on stderr: redrawn in place on a terminal, one plain line every few
 * seconds otherwise (CI logs).
 */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private lastPlain = 0;
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly done: () => number,
    private readonly extra: () => string = () => '',
  ) {}

  start(everyMs = 200): this {
    this.timer = setInterval(() => this.draw(false), everyMs);
    this.timer.unref();
    return this;
  }

  private line(): string {
    const done = this.done();
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 28;
    const filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const secs = (performance.now() - this.started) / 1000;
    const pct = `${Math.floor(frac * 100)}`.padStart(3);
    return `${this.label} ${bar} ${pct}% ${done}/${this.total} ${secs.toFixed(0)}s ${this.extra()}`;
  }

  private draw(final: boolean): void {
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${this.line()}${final ? '\n' : ''}`);
      return;
    }
    const now = performance.now();
    if (final || now - this.lastPlain > 5000) {
      this.lastPlain = now;
      process.stderr.write(`${this.line()}\n`);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.draw(true);
  }
}
