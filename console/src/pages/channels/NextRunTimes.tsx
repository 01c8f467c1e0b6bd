import { formatClock } from '../../components/ui';

/** Next fire times as UTC clock times (`07:00`), each with its date beside it. */
export function NextRunTimes({ times }: { times: string[] }) {
  if (times.length === 0) return <p className="muted">No run scheduled.</p>;
  return (
    <ol className="run-times" aria-label="Next run times">
      {times.map((t) => (
        <li key={t}>
          <time dateTime={t}>{formatClock(t)}</time> <span className="muted">{t.slice(0, 10)} UTC</span>
        </li>
      ))}
    </ol>
  );
}
