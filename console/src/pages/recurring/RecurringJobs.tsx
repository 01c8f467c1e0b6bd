export function RecurringJobs() {
  return <h1>RecurringJobs</h1>;
}
